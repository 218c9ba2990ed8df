import type { Db, Queryable } from './db.ts';
import { AttemptStore } from './attempt-store.ts';
import { taskColumns, type TaskRow, toTask } from './task-rows.ts';
import type { PullRequestRecord, PushMode, TaskConfig, TaskRecord } from '../model/task.ts';
import { finishedTaskStatuses, type TaskStatus } from '../model/statuses.ts';

export interface NewTask {
  id: string;
  description: string;
  repositoryPath: string;
  repositoryUrl: string | null;
  credentialName: string | null;
  pushMode: PushMode;
  attemptQueue: string;
  baseRef: string;
  baseCommit: string;
  config: TaskConfig;
  idempotencyKey: string | null;
  apiKeyId: string;
  branches: Record<string, string>;
}

/** Reads and writes `tasks` (and, at insert, the task's attempts), in plain records; its attempts' rows through `attempts`. */
export class TaskRepository {
  private readonly db: Db;
  readonly attempts: AttemptStore;

  constructor(db: Db) {
    this.db = db;
    this.attempts = new AttemptStore(db);
  }

  /** Inserts the task and its pending agent runs; undefined when the idempotency key already names a task. */
  async insert(tx: Queryable, task: NewTask): Promise<TaskRecord | undefined> {
    const [row] = await tx.query<TaskRow>(
      `INSERT INTO tasks (id, description, status, repository_path, base_ref, base_commit, config, idempotency_key, api_key_id,
                          repository_url, credential_name, push_mode, attempt_queue)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (api_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${taskColumns}`,
      [
        task.id,
        task.description,
        task.repositoryPath,
        task.baseRef,
        task.baseCommit,
        JSON.stringify(task.config),
        task.idempotencyKey,
        task.apiKeyId,
        task.repositoryUrl,
        task.credentialName,
        task.pushMode,
        task.attemptQueue,
      ],
    );
    if (!row) return undefined;
    await tx.query(
      `INSERT INTO agent_runs (task_id, label, position, agent, model, branch, status)
       SELECT $1, label, position, agent, model, branch, 'pending'
         FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) AS a(label, position, agent, model, branch)`,
      [
        task.id,
        task.config.agents.map((agent) => agent.label),
        task.config.agents.map((_, index) => index) as never,
        task.config.agents.map((agent) => agent.agent),
        task.config.agents.map((agent) => agent.model ?? null) as never,
        task.config.agents.map((agent) => task.branches[agent.label]!),
      ],
    );
    return toTask(row);
  }

  async findByIdempotencyKey(apiKeyId: string, key: string): Promise<TaskRecord | undefined> {
    const [row] = await this.db.query<TaskRow>(
      `SELECT ${taskColumns} FROM tasks WHERE api_key_id = $1 AND idempotency_key = $2`,
      [apiKeyId, key],
    );
    return row && toTask(row);
  }

  async get(id: string, db: Queryable = this.db): Promise<TaskRecord | undefined> {
    const [row] = await db.query<TaskRow>(`SELECT ${taskColumns} FROM tasks WHERE id = $1`, [id]);
    return row && toTask(row);
  }

  /** Of the given tasks, those whose cancellation was requested. */
  async cancelRequested(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string }>('SELECT id FROM tasks WHERE id = ANY($1::uuid[]) AND cancel_requested', [[...ids]]);
    return rows.map((row) => row.id);
  }

  /** A page of tasks, newest first; `createdBy` keeps one key's tasks only. */
  async list(filter: { status?: TaskStatus | undefined; createdBy?: string | undefined; limit: number; offset: number }): Promise<{ tasks: TaskRecord[]; total: number }> {
    const where = '($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR api_key_id = $2)';
    const params = [filter.status ?? null, filter.createdBy ?? null];
    const rows = await this.db.query<TaskRow>(`SELECT ${taskColumns} FROM tasks WHERE ${where} ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`, [
      ...params,
      filter.limit,
      filter.offset,
    ]);
    const [count] = await this.db.query<{ total: number }>(`SELECT count(*)::int AS total FROM tasks WHERE ${where}`, params);
    return { tasks: rows.map(toTask), total: count?.total ?? 0 };
  }

  /** Marks a cancel request; returns the task as it is now. Pending tasks become cancelled at once. */
  async requestCancel(tx: Queryable, id: string): Promise<TaskRecord | undefined> {
    const [row] = await tx.query<TaskRow>(
      `UPDATE tasks SET cancel_requested = TRUE, updated_at = now(),
              status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
              completed_at = CASE WHEN status = 'pending' THEN now() ELSE completed_at END
        WHERE id = $1 RETURNING ${taskColumns}`,
      [id],
    );
    return row && toTask(row);
  }

  /** pending → running; undefined when the task is not pending or running (already ended or cancelled). */
  async markRunning(tx: Queryable, id: string): Promise<TaskRecord | undefined> {
    const [row] = await tx.query<TaskRow>(
      `UPDATE tasks SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now()
        WHERE id = $1 AND status IN ('pending', 'running') RETURNING ${taskColumns}`,
      [id],
    );
    return row && toTask(row);
  }

  /**
   * An ended task running again for one attempt's follow-up: the task back to running (its
   * ranking undone) and the attempt pending with the prompt. What the attempt did so far (its
   * session, cost, changes) stays: the follow-up continues it.
   */
  async reopenForFollowUp(tx: Queryable, id: string, label: string, prompt: string): Promise<void> {
    await tx.query(
      // A race's or cascade's course stays: it was decided before the follow-up (executor/strategies.ts).
      `UPDATE tasks SET status = 'running', winner_label = NULL, error = NULL, completed_at = NULL, updated_at = now(),
              result = NULLIF(jsonb_strip_nulls(jsonb_build_object('race', result->'race', 'cascade', result->'cascade')), '{}'::jsonb)
        WHERE id = $1`,
      [id],
    );
    await tx.query(
      `UPDATE agent_runs SET status = 'pending', follow_up = $3, error = NULL, stop_reason = NULL, verify = NULL, completed_at = NULL, worktree_path = NULL
        WHERE task_id = $1 AND label = $2`,
      [id, label, prompt],
    );
    await tx.query('UPDATE agent_runs SET score = NULL WHERE task_id = $1', [id]);
  }

  /**
   * Claims judging a running task for this instance: true unless another claimed it less than
   * `leaseSeconds` ago (a claim older than that belongs to an instance that died meanwhile).
   */
  async claimJudging(id: string, leaseSeconds: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE tasks SET judging_since = now() WHERE id = $1 AND status = 'running'
          AND (judging_since IS NULL OR judging_since < now() - make_interval(secs => $2)) RETURNING id`,
      [id, leaseSeconds],
    );
    return rows.length > 0;
  }

  async releaseJudging(id: string): Promise<void> {
    await this.db.query('UPDATE tasks SET judging_since = NULL WHERE id = $1', [id]);
  }

  /**
   * Marks a finished task's attempts discarded (see migration 015): nothing of them is pushed or
   * continued after. False when the task is not finished (a follow-up reopened it meanwhile: the
   * row's lock orders the two).
   */
  async markDiscarded(id: string): Promise<boolean> {
    const rows = await this.db.query('UPDATE tasks SET discarded_at = coalesce(discarded_at, now()) WHERE id = $1 AND status = ANY($2::text[]) RETURNING id', [id, [...finishedTaskStatuses]]);
    return rows.length > 0;
  }

  async wasDiscarded(id: string, tx: Queryable = this.db): Promise<boolean> {
    const [row] = await tx.query<{ discarded: boolean }>('SELECT discarded_at IS NOT NULL AS discarded FROM tasks WHERE id = $1', [id]);
    return row?.discarded ?? false;
  }

  /** Whether an attempt of the task has been merged (its merge history has a `merged`). */
  async wasMerged(id: string, tx: Queryable = this.db): Promise<boolean> {
    const [row] = await tx.query<{ merged: boolean }>("SELECT EXISTS (SELECT 1 FROM merges WHERE task_id = $1 AND status = 'merged') AS merged", [id]);
    return row?.merged ?? false;
  }

  async finish(
    tx: Queryable,
    id: string,
    outcome: { status: 'completed' | 'failed' | 'cancelled'; winnerLabel: string | null; result: Record<string, unknown>; error: string | null; extraCostUsd?: number },
  ): Promise<TaskRecord | undefined> {
    // The total is the attempts' cost plus what else the task spent (its judge).
    const [row] = await tx.query<TaskRow>(
      `UPDATE tasks SET status = $2, winner_label = $3, result = $4, error = $5, updated_at = now(), completed_at = now(), judging_since = NULL,
              total_cost_usd = (SELECT COALESCE(sum(cost_usd), 0) FROM agent_runs WHERE task_id = $1) + $6
        WHERE id = $1 AND status IN ('pending', 'running') RETURNING ${taskColumns}`,
      [id, outcome.status, outcome.winnerLabel, JSON.stringify(outcome.result), outcome.error, outcome.extraCostUsd ?? 0],
    );
    return row && toTask(row);
  }

  /** A running task's result so far: where its strategy stands (executor/strategies.ts); the end replaces it. */
  async setResult(tx: Queryable, id: string, result: Record<string, unknown>): Promise<void> {
    await tx.query('UPDATE tasks SET result = $2, updated_at = now() WHERE id = $1', [id, JSON.stringify(result)]);
  }

  /** Locks the task's row until the transaction ends: attempts ending at once decide the task's end one after another. */
  async lock(tx: Queryable, id: string): Promise<void> {
    await tx.query('SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE', [id]);
  }

  /** Those of `taskIds` that `keyId` submitted. */
  async ownedBy(keyId: string, taskIds: readonly string[]): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>('SELECT id FROM tasks WHERE id = ANY($1::uuid[]) AND api_key_id = $2', [[...taskIds], keyId]);
    return rows.map((row) => row.id);
  }

  /** The id of the key that submitted the task; undefined for no such task. */
  async ownerOf(id: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ api_key_id: string }>('SELECT api_key_id FROM tasks WHERE id = $1', [id]);
    return row?.api_key_id;
  }

  async exists(id: string): Promise<boolean> {
    const [row] = await this.db.query('SELECT 1 FROM tasks WHERE id = $1', [id]);
    return row !== undefined;
  }

  /** Every repository a task was run on: where worktrees may be left. */
  async repositoryPaths(): Promise<string[]> {
    const rows = await this.db.query<{ repository_path: string }>('SELECT DISTINCT repository_path FROM tasks');
    return rows.map((row) => row.repository_path);
  }

  /** Records the task's pull request; false when another request recorded one first. */
  async setPullRequest(tx: Queryable, id: string, pullRequest: PullRequestRecord): Promise<boolean> {
    const rows = await tx.query('UPDATE tasks SET pull_request = $2, updated_at = now() WHERE id = $1 AND pull_request IS NULL RETURNING id', [
      id,
      JSON.stringify(pullRequest),
    ]);
    return rows.length > 0;
  }
}
