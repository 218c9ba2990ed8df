-- A callback belongs to one wait (an n8n Await Progress node): it carries the waiter's name,
-- which the waiter checks, and ends when the wait's time limit does (no deliveries after it).
ALTER TABLE task_callbacks ADD COLUMN name TEXT;
ALTER TABLE task_callbacks ADD COLUMN expires_at TIMESTAMPTZ;

-- A subscription (an n8n Trigger) may watch one repository's tasks, or its own key's tasks.
ALTER TABLE subscriptions ADD COLUMN repository_path TEXT;
ALTER TABLE subscriptions ADD COLUMN api_key_id TEXT;
