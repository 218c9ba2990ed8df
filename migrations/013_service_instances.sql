-- The service instances sharing this database, each writing its own row every few seconds:
-- what GET /api/v1/instances and the review pages show (draining during a rolling deploy).
CREATE TABLE service_instances (
  name TEXT PRIMARY KEY,
  started_at TIMESTAMPTZ NOT NULL,
  draining BOOLEAN NOT NULL DEFAULT false,
  attempts_running INTEGER NOT NULL DEFAULT 0,
  heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
