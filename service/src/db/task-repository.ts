import type { AgentName } from '../agents/agent-adapter.ts';
import type { Db, Queryable } from './db.ts';

export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export type AgentRunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** What a task asked for, stored as `tasks.config`. */
export interface TaskConfig {
  agents: Array<{
    label: string;
    agent: AgentName;
    model?: string | undefined;
    prompt: string;
    timeoutSeconds: number;
    args: string[];
    command?: string[] | undefined;
  }>;
  verify?: { command: string[]; timeoutSeconds: number } | undefined;
  budgetUsd?: number | undefined;
  /** sha256 of the submitted body, to tell a retried submission from a different one under the same Idempotency-Key. */
  requestHash: string;
}

export interface TaskRecord {
  id: string;
  description: string;
  status: TaskStatus;
  repositoryPath: string;
  baseRef: string;
  baseCommit: string;
  config: TaskConfig;
  result: Record<string, unknown> | null;
  error: string | null;
  idempotencyKey: string | null;
  apiKeyId: string;
  cancelRequested: boolean;
  winnerLabel: string | null;
  totalCostUsd: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface AgentRunRecord {
  taskId: string;
  label: string;
  position: number;
  agent: AgentName;
  model: string | null;
  branch: string;
  worktreePath: string | null;
  status: AgentRunStatus;
  exitCode: number | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  sessionId: string | null;
  finalMessage: string | null;
  filesChanged: string[];
  insertions: number | null;
  deletions: number | null;
  headCommit: string | null;
  stderrTail: string | null;
  verify: Record<string, unknown> | null;
  score: Record<string, unknown> | null;
  error: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface NewTask {
  id: string;
  description: string;
  repositoryPath: string;
  baseRef: string;
  baseCommit: string;
  config: TaskConfig;
  idempotencyKey: string | null;
  apiKeyId: string;
  branches: Record<string, string>;
}

const taskColumns = `id, description, status, repository_path, base_ref, base_commit, config, result, error,
  idempotency_key, api_key_id, cancel_requested, winner_label, total_cost_usd, created_at, updated_at, started_at, completed_at`;

/** Rows of `tasks` and `agent_runs`, as plain records. */
export class TaskRepository {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Inserts the task and its pending agent runs; undefined when the idempotency key already names a task. */
  async insert(tx: Queryable, task: NewTask): Promise<TaskRecord | undefined> {
    const [row] = await tx.query<TaskRow>(
      `INSERT INTO tasks (id, description, status, repository_path, base_ref, base_commit, config, idempotency_key, api_key_id)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8)
       ON CONFLICT (api_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${taskColumns}`,
      [task.id, task.description, task.repositoryPath, task.baseRef, task.baseCommit, JSON.stringify(task.config), task.idempotencyKey, task.apiKeyId],
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

  async list(filter: { status?: TaskStatus | undefined; limit: number; offset: number }): Promise<{ tasks: TaskRecord[]; total: number }> {
    const status = filter.status ?? null;
    const rows = await this.db.query<TaskRow>(
      `SELECT ${taskColumns} FROM tasks WHERE ($1::text IS NULL OR status = $1)
        ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [status, filter.limit, filter.offset],
    );
    const [count] = await this.db.query<{ total: number }>(
      'SELECT count(*)::int AS total FROM tasks WHERE ($1::text IS NULL OR status = $1)',
      [status],
    );
    return { tasks: rows.map(toTask), total: count?.total ?? 0 };
  }

  async agentRuns(taskIds: readonly string[]): Promise<Map<string, AgentRunRecord[]>> {
    const byTask = new Map<string, AgentRunRecord[]>(taskIds.map((id) => [id, []]));
    if (taskIds.length === 0) return byTask;
    const rows = await this.db.query<AgentRunRow>(
      'SELECT * FROM agent_runs WHERE task_id = ANY($1::uuid[]) ORDER BY task_id, position',
      [taskIds as string[]],
    );
    for (const row of rows) byTask.get(row.task_id)?.push(toAgentRun(row));
    return byTask;
  }

  async stats(): Promise<{ byStatus: Record<TaskStatus, number>; runningAgents: number; totalCostUsd: number; meanDurationMs: number | null }> {
    const counts = await this.db.query<{ status: TaskStatus; count: number }>(
      'SELECT status, count(*)::int AS count FROM tasks GROUP BY status',
    );
    const [totals] = await this.db.query<{ cost: number | null; mean_ms: number | null; running_agents: number }>(
      `SELECT (SELECT sum(total_cost_usd) FROM tasks)::float8 AS cost,
              (SELECT avg(extract(epoch FROM completed_at - started_at) * 1000) FROM tasks
                WHERE completed_at IS NOT NULL AND started_at IS NOT NULL)::float8 AS mean_ms,
              (SELECT count(*) FROM agent_runs WHERE status = 'running')::int AS running_agents`,
    );
    const byStatus: Record<TaskStatus, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const row of counts) byStatus[row.status] = row.count;
    return {
      byStatus,
      runningAgents: totals?.running_agents ?? 0,
      totalCostUsd: totals?.cost ?? 0,
      meanDurationMs: totals?.mean_ms === null || totals?.mean_ms === undefined ? null : Math.round(totals.mean_ms),
    };
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

  async finish(
    tx: Queryable,
    id: string,
    outcome: { status: 'completed' | 'failed' | 'cancelled'; winnerLabel: string | null; result: Record<string, unknown>; error: string | null },
  ): Promise<TaskRecord | undefined> {
    const [row] = await tx.query<TaskRow>(
      `UPDATE tasks SET status = $2, winner_label = $3, result = $4, error = $5, updated_at = now(), completed_at = now(),
              total_cost_usd = (SELECT COALESCE(sum(cost_usd), 0) FROM agent_runs WHERE task_id = $1)
        WHERE id = $1 AND status IN ('pending', 'running') RETURNING ${taskColumns}`,
      [id, outcome.status, outcome.winnerLabel, JSON.stringify(outcome.result), outcome.error],
    );
    return row && toTask(row);
  }

  async updateAgentRun(taskId: string, label: string, fields: Partial<Omit<AgentRunRecord, 'taskId' | 'label'>>, db: Queryable = this.db): Promise<void> {
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    const sets = entries.map(([key], index) => `${agentRunColumn[key as keyof typeof agentRunColumn]} = $${index + 3}`);
    await db.query(
      `UPDATE agent_runs SET ${sets.join(', ')} WHERE task_id = $1 AND label = $2`,
      [taskId, label, ...entries.map(([, value]) => toSqlValue(value))],
    );
  }

  async isCancelRequested(id: string): Promise<boolean> {
    const [row] = await this.db.query<{ cancel_requested: boolean }>('SELECT cancel_requested FROM tasks WHERE id = $1', [id]);
    return row?.cancel_requested ?? false;
  }

  /** Tasks not in an end state: what start-up recovery must look at. */
  async unfinishedIds(): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>("SELECT id FROM tasks WHERE status IN ('pending', 'running')");
    return rows.map((row) => row.id);
  }
}

const agentRunColumn = {
  position: 'position', agent: 'agent', model: 'model', branch: 'branch', worktreePath: 'worktree_path', status: 'status',
  exitCode: 'exit_code', costUsd: 'cost_usd', inputTokens: 'input_tokens', outputTokens: 'output_tokens',
  sessionId: 'session_id', finalMessage: 'final_message', filesChanged: 'files_changed', insertions: 'insertions',
  deletions: 'deletions', headCommit: 'head_commit', stderrTail: 'stderr_tail', verify: 'verify', score: 'score',
  error: 'error', startedAt: 'started_at', completedAt: 'completed_at',
} as const satisfies Record<keyof Omit<AgentRunRecord, 'taskId' | 'label'>, string>;

function toSqlValue(value: unknown): never {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) return JSON.stringify(value) as never;
  return value as never;
}

interface TaskRow {
  id: string;
  description: string;
  status: TaskStatus;
  repository_path: string;
  base_ref: string;
  base_commit: string;
  config: TaskConfig;
  result: Record<string, unknown> | null;
  error: string | null;
  idempotency_key: string | null;
  api_key_id: string;
  cancel_requested: boolean;
  winner_label: string | null;
  total_cost_usd: number;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

type AgentRunRow = {
  task_id: string;
  label: string;
  position: number;
  agent: AgentName;
  model: string | null;
  branch: string;
  worktree_path: string | null;
  status: AgentRunStatus;
  exit_code: number | null;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  session_id: string | null;
  final_message: string | null;
  files_changed: string[];
  insertions: number | null;
  deletions: number | null;
  head_commit: string | null;
  stderr_tail: string | null;
  verify: Record<string, unknown> | null;
  score: Record<string, unknown> | null;
  error: string | null;
  started_at: Date | null;
  completed_at: Date | null;
};

function toTask(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    description: row.description,
    status: row.status,
    repositoryPath: row.repository_path,
    baseRef: row.base_ref,
    baseCommit: row.base_commit,
    config: row.config,
    result: row.result,
    error: row.error,
    idempotencyKey: row.idempotency_key,
    apiKeyId: row.api_key_id,
    cancelRequested: row.cancel_requested,
    winnerLabel: row.winner_label,
    totalCostUsd: Number(row.total_cost_usd),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    startedAt: row.started_at && new Date(row.started_at),
    completedAt: row.completed_at && new Date(row.completed_at),
  };
}

function toAgentRun(row: AgentRunRow): AgentRunRecord {
  return {
    taskId: row.task_id,
    label: row.label,
    position: row.position,
    agent: row.agent,
    model: row.model,
    branch: row.branch,
    worktreePath: row.worktree_path,
    status: row.status,
    exitCode: row.exit_code,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    inputTokens: row.input_tokens === null ? null : Number(row.input_tokens),
    outputTokens: row.output_tokens === null ? null : Number(row.output_tokens),
    sessionId: row.session_id,
    finalMessage: row.final_message,
    filesChanged: row.files_changed,
    insertions: row.insertions,
    deletions: row.deletions,
    headCommit: row.head_commit,
    stderrTail: row.stderr_tail,
    verify: row.verify,
    score: row.score,
    error: row.error,
    startedAt: row.started_at && new Date(row.started_at),
    completedAt: row.completed_at && new Date(row.completed_at),
  };
}
