-- When a task's attempts were discarded (their worktrees and branches deleted, here and on the
-- remote): a later push or follow-up is refused by this mark, whichever instance is asked, since
-- another instance's mirror may still hold the branches.
ALTER TABLE tasks ADD COLUMN discarded_at TIMESTAMPTZ;
