/** One agent's attempt at a task, as the service knows it (the table keeps its first name, agent_runs). */
import type { AgentName } from './agent-names.ts';
import type { AttemptStatus } from './statuses.ts';

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

/** Fields of an attempt to change; the rest stay as they are. */
export type AttemptChange = Partial<Omit<AttemptRecord, 'taskId' | 'label'>>;
