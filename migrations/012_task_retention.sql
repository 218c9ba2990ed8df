-- When retention (KAGE_RETENTION_DAYS) removed a finished task's attempt events, deliveries and
-- worktrees; the task row and its result stay.
ALTER TABLE tasks ADD COLUMN pruned_at TIMESTAMPTZ;
CREATE INDEX tasks_retention ON tasks (completed_at) WHERE pruned_at IS NULL AND completed_at IS NOT NULL;
