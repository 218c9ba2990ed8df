-- When an instance started judging a task's attempts: one instance judges, another takes over after a crash.
ALTER TABLE tasks ADD COLUMN judging_since TIMESTAMPTZ;
