-- Why an attempt was stopped before its agent finished: a sandbox limit, a timeout, cancellation, the budget.
ALTER TABLE agent_runs ADD COLUMN stop_reason TEXT;
