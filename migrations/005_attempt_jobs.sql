-- Each attempt is its own queue job, so the attempts of one task can run on different instances.
-- worker: the instance that runs (or ran) the attempt. attempt_queue: where the task's attempt
-- jobs go: the shared queue for URL tasks, the accepting host's queue for local paths.

ALTER TABLE agent_runs ADD COLUMN worker TEXT;
ALTER TABLE tasks ADD COLUMN attempt_queue TEXT NOT NULL DEFAULT 'kage-attempts';
