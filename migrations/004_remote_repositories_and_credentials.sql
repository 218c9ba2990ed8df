-- Remote repositories: a task may name a URL (its attempts run in this machine's mirror of it,
-- whose path is repository_path), a git credential to reach it, and whether attempt branches
-- are pushed. Credentials are stored encrypted (AES-256-GCM); only the service can read them.

ALTER TABLE tasks ADD COLUMN repository_url TEXT;
ALTER TABLE tasks ADD COLUMN credential_name TEXT;
ALTER TABLE tasks ADD COLUMN push_mode TEXT NOT NULL DEFAULT 'none' CHECK (push_mode IN ('none', 'winner', 'attempts'));
ALTER TABLE tasks ADD COLUMN pull_request JSONB;

CREATE TABLE git_credentials (
    name          TEXT PRIMARY KEY,
    host          TEXT NOT NULL,
    username      TEXT NOT NULL,
    forge         TEXT CHECK (forge IN ('github', 'gitlab', 'gitea')),
    api_url       TEXT,
    -- iv (12 bytes) || auth tag (16 bytes) || ciphertext of the token, base64
    secret        TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
