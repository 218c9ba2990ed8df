-- Sessions of the review pages: a browser logs in with an API key once and then holds only a
-- cookie. The cookie's token is stored as its SHA-256, with the id of the key it stands for.
CREATE TABLE browser_sessions (
  token_hash TEXT PRIMARY KEY,
  api_key_id TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX browser_sessions_expiry ON browser_sessions (expires_at);
