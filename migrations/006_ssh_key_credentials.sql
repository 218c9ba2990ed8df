-- A git credential holds either a token (HTTPS and the forge's API) or an SSH private key.
ALTER TABLE git_credentials ADD COLUMN kind TEXT NOT NULL DEFAULT 'token' CHECK (kind IN ('token', 'ssh_key'));
