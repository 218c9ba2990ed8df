/**
 * Row shapes of `tasks` and `agent_runs` (attempts: the table keeps its first name) and their mapping to the plain records the rest of the
 * service uses.
 */
import type { AgentName } from '../agents/agent-adapter.ts';
import type { AttemptLimits } from '../sandbox/sandbox-settings.ts';
import type { AttemptStatus, TaskStatus } from '../statuses.ts';

export type { AttemptStatus, TaskStatus } from '../statuses.ts';

/** Making each attempt's worktree ready: files copied from the user's checkout, then a command. */
export interface TaskSetup {
  command?: string[] | undefined;
  /** Globs of untracked or ignored files in the source checkout (local repositories only). */
  copy?: string[] | undefined;
  timeoutSeconds?: number | undefined;
  /** Untracked cache folders (gitignore patterns) a pooled worktree keeps for the next task: node_modules, .venv. */
  keep?: string[] | undefined;
}

/** What a task asked for, stored as `tasks.config`. */
export type NetworkAccess = 'on' | 'none';

export interface TaskConfig {
  agents: Array<{
    label: string;
    agent: AgentName;
    model?: string | undefined;
    prompt: string;
    timeoutSeconds: number;
    args: string[];
    command?: string[] | undefined;
    /** 'none': the agent runs with no network at all (sandboxed only). */
    network?: NetworkAccess | undefined;
    /** A cascade's tier (1 first); absent for the other strategies. */
    tier?: number | undefined;
  }>;
  /** How the attempts run: all to the end (default), a race to the first verified one, or tiers one after another (executor/strategies.ts). */
  strategy?: TaskStrategy | undefined;
  verify?:
    | {
        command: string[];
        timeoutSeconds: number;
        network?: NetworkAccess | undefined;
        /** Verify-and-fix rounds: a failing attempt's agent gets the failure and tries again, up to this many runs in all. */
        maxRounds?: number | undefined;
        /** Globs of files an attempt may not change for verify (executor/protected-files.ts). */
        protect?: string[] | undefined;
      }
    | undefined;
  setup?: TaskSetup | undefined;
  /** A judge that orders the attempts tied on verify (or all, `always`): an agent run read-only. */
  judge?: { agent: 'claude' | 'codex'; model?: string | undefined; when: 'ties' | 'always'; timeoutSeconds: number } | undefined;
  /** The task's own attempt limits (the service's defaults for the rest). */
  limits?: Partial<AttemptLimits> | undefined;
  budgetUsd?: number | undefined;
  /** How `pick` chose the agents from this repository's history (tasks/agent-choice.ts); absent when the request named them. */
  selection?: Record<string, unknown> | undefined;
  /** sha256 of the submitted body, to tell a retried submission from a different one under the same Idempotency-Key. */
  requestHash: string;
}

export const taskStrategies = ['all', 'race', 'cascade'] as const;
export type TaskStrategy = (typeof taskStrategies)[number];

export type PushMode = 'none' | 'winner' | 'attempts';

/** The pull request opened for a task's attempt. */
export interface PullRequestRecord {
  url: string;
  number: number;
  agentLabel: string;
  branch: string;
  targetBranch: string;
  forge: string;
}

export interface TaskRecord {
  id: string;
  description: string;
  status: TaskStatus;
  /** The repository's top level, or for a URL task this machine's mirror of it. */
  repositoryPath: string;
  /** The remote a URL task came from; null for a local path. */
  repositoryUrl: string | null;
  credentialName: string | null;
  pushMode: PushMode;
  pullRequest: PullRequestRecord | null;
  /** The queue the task's attempt jobs go to (see queue/task-queue.ts). */
  attemptQueue: string;
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
  /** The span that submitted the task (tracing on): later work on it (a merge, a pull request) joins its trace. */
  traceparent?: string | undefined;
}

/**
 * Why an attempt was stopped before its agent finished: its time limit, a cancel, the task's
 * budget, another attempt winning the task's race, or one of the sandbox's limits (worktree size, processes, memory, file size).
 */
export const attemptStopReasons = ['timeout', 'cancelled', 'budget', 'race_won', 'disk_limit', 'process_limit', 'memory_limit', 'file_size_limit'] as const;
export type AttemptStopReason = (typeof attemptStopReasons)[number];

export interface AttemptRecord {
  taskId: string;
  label: string;
  position: number;
  agent: AgentName;
  model: string | null;
  branch: string;
  worktreePath: string | null;
  /** The instance that runs or ran the attempt. */
  worker: string | null;
  status: AttemptStatus;
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
  /** Why the attempt was stopped before its agent finished. */
  stopReason: AttemptStopReason | null;
  /** The follow-up prompt this attempt is continued with (POST …/follow-up), until that run ends. */
  followUp: string | null;
  verify: Record<string, unknown> | null;
  score: Record<string, unknown> | null;
  error: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
}

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
