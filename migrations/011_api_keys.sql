-- API keys made through the API (POST /api/v1/keys), besides API_KEYS: each with the scopes it
-- grants, optionally the repository roots and agents it may use, and an expiry. The secret is
-- stored only as its SHA-256; `id` is the key's public id (what tasks record as api_key_id).
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  scopes TEXT[] NOT NULL,
  repository_roots TEXT[],
  allowed_agents TEXT[],
  expires_at TIMESTAMPTZ,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
