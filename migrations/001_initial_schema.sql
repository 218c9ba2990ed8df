-- Kage Bunshin schema. The seed's tasks/progress_events, improved: one row per agent attempt,
-- a gapless per-task event sequence, and the tables webhooks and merges need.

CREATE TABLE tasks (
    id                UUID PRIMARY KEY,
    description       TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    repository_path   TEXT NOT NULL,
    base_ref          TEXT NOT NULL,
    base_commit       TEXT NOT NULL,
    config            JSONB NOT NULL,
    result            JSONB,
    error             TEXT,
    idempotency_key   TEXT,
    api_key_id        TEXT NOT NULL,
    cancel_requested  BOOLEAN NOT NULL DEFAULT FALSE,
    -- next progress_events.seq to hand out; bumped in the same transaction as the insert,
    -- which is what makes the per-task sequence gapless.
    next_event_seq    INTEGER NOT NULL DEFAULT 1,
    winner_label      TEXT,
    total_cost_usd    NUMERIC(12, 6) NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at        TIMESTAMPTZ,
    completed_at      TIMESTAMPTZ
);
CREATE UNIQUE INDEX tasks_idempotency ON tasks (api_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_status_created ON tasks (status, created_at DESC);
CREATE INDEX tasks_created ON tasks (created_at DESC);

CREATE TABLE agent_runs (
    task_id          UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    label            TEXT NOT NULL,
    position         INTEGER NOT NULL,
    agent            TEXT NOT NULL,
    model            TEXT,
    branch           TEXT NOT NULL,
    worktree_path    TEXT,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled')),
    exit_code        INTEGER,
    cost_usd         NUMERIC(12, 6),
    input_tokens     BIGINT,
    output_tokens    BIGINT,
    session_id       TEXT,
    final_message    TEXT,
    files_changed    TEXT[] NOT NULL DEFAULT '{}',
    insertions       INTEGER,
    deletions        INTEGER,
    head_commit      TEXT,
    stderr_tail      TEXT,
    verify           JSONB,
    score            JSONB,
    error            TEXT,
    started_at       TIMESTAMPTZ,
    completed_at     TIMESTAMPTZ,
    PRIMARY KEY (task_id, label)
);
CREATE INDEX agent_runs_status ON agent_runs (status);

CREATE TABLE progress_events (
    task_id     UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    agent_label TEXT,
    data        JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, seq)
);
CREATE INDEX progress_events_type ON progress_events (task_id, type);

-- Per-task callbacks (n8n's Await Progress registers its resume URL here).
CREATE TABLE task_callbacks (
    id          UUID PRIMARY KEY,
    task_id     UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    events      TEXT[] NOT NULL,
    secret      TEXT,
    disabled_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX task_callbacks_task ON task_callbacks (task_id);

-- Global subscriptions (the n8n Trigger registers one per active workflow).
CREATE TABLE subscriptions (
    id          UUID PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT[] NOT NULL,
    secret      TEXT NOT NULL,
    description TEXT,
    disabled_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per (endpoint, event): the message; its attempts are in webhook_attempts.
CREATE TABLE webhook_deliveries (
    id              UUID PRIMARY KEY,
    task_id         UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    callback_id     UUID REFERENCES task_callbacks(id) ON DELETE CASCADE,
    subscription_id UUID REFERENCES subscriptions(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'disabled')),
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((callback_id IS NULL) <> (subscription_id IS NULL))
);
CREATE UNIQUE INDEX webhook_deliveries_callback_event ON webhook_deliveries (callback_id, task_id, seq) WHERE callback_id IS NOT NULL;
CREATE UNIQUE INDEX webhook_deliveries_subscription_event ON webhook_deliveries (subscription_id, task_id, seq) WHERE subscription_id IS NOT NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id, seq);

CREATE TABLE webhook_attempts (
    delivery_id    UUID NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt        INTEGER NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    duration_ms    INTEGER NOT NULL,
    response_status INTEGER,
    error          TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE merges (
    id            UUID PRIMARY KEY,
    task_id       UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    agent_label   TEXT NOT NULL,
    strategy      TEXT NOT NULL CHECK (strategy IN ('auto', 'theirs', 'manual')),
    target_branch TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('merged', 'conflicts', 'manual')),
    commit_sha    TEXT,
    review_branch TEXT,
    conflicts     JSONB NOT NULL DEFAULT '[]',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX merges_task ON merges (task_id, created_at);
