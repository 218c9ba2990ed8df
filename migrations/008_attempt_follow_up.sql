-- A follow-up prompt waiting for (or being run by) an attempt continued after its task ended.
ALTER TABLE agent_runs ADD COLUMN follow_up TEXT;
