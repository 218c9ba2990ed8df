/**
 * Row shapes of `tasks` and `agent_runs` (attempts: the table keeps its first name) and their mapping to the plain records the rest of the
 * service uses.
 */
import type { AgentName } from '../model/agent-names.ts';
import type { AttemptRecord, AttemptStopReason } from '../model/attempt.ts';
import type { AttemptStatus, TaskStatus } from '../model/statuses.ts';
import type { PullRequestRecord, PushMode, TaskConfig, TaskRecord } from '../model/task.ts';

export const taskColumns = `id, description, status, repository_path, repository_url, credential_name, push_mode, pull_request, attempt_queue,
  base_ref, base_commit, config, result, error,
  idempotency_key, api_key_id, cancel_requested, winner_label, total_cost_usd, created_at, updated_at, started_at, completed_at, traceparent`;

export const attemptColumn = {
  position: 'position', agent: 'agent', model: 'model', branch: 'branch', worktreePath: 'worktree_path', worker: 'worker', status: 'status',
  exitCode: 'exit_code', costUsd: 'cost_usd', inputTokens: 'input_tokens', outputTokens: 'output_tokens',
  sessionId: 'session_id', finalMessage: 'final_message', filesChanged: 'files_changed', insertions: 'insertions',
  deletions: 'deletions', headCommit: 'head_commit', stderrTail: 'stderr_tail', stopReason: 'stop_reason', followUp: 'follow_up', verify: 'verify', score: 'score',
  error: 'error', startedAt: 'started_at', completedAt: 'completed_at',
} as const satisfies Record<keyof Omit<AttemptRecord, 'taskId' | 'label'>, string>;

export function toSqlValue(value: unknown): never {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) return JSON.stringify(value) as never;
  return value as never;
}

export interface TaskRow {
  id: string;
  description: string;
  status: TaskStatus;
  repository_path: string;
  repository_url: string | null;
  credential_name: string | null;
  push_mode: PushMode;
  pull_request: PullRequestRecord | null;
  traceparent: string | null;
  attempt_queue: string;
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

export type AttemptRow = {
  task_id: string;
  label: string;
  position: number;
  agent: AgentName;
  model: string | null;
  branch: string;
  worktree_path: string | null;
  worker: string | null;
  status: AttemptStatus;
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
  stop_reason: AttemptStopReason | null;
  follow_up: string | null;
  verify: Record<string, unknown> | null;
  score: Record<string, unknown> | null;
  error: string | null;
  started_at: Date | null;
  completed_at: Date | null;
};

export function toTask(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    description: row.description,
    status: row.status,
    repositoryPath: row.repository_path,
    repositoryUrl: row.repository_url,
    credentialName: row.credential_name,
    pushMode: row.push_mode,
    pullRequest: row.pull_request,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    attemptQueue: row.attempt_queue,
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

export function toAttempt(row: AttemptRow): AttemptRecord {
  return {
    taskId: row.task_id,
    label: row.label,
    position: row.position,
    agent: row.agent,
    model: row.model,
    branch: row.branch,
    worktreePath: row.worktree_path,
    worker: row.worker,
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
    stopReason: row.stop_reason,
    followUp: row.follow_up,
    verify: row.verify,
    score: row.score,
    error: row.error,
    startedAt: row.started_at && new Date(row.started_at),
    completedAt: row.completed_at && new Date(row.completed_at),
  };
}
