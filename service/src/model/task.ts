/**
 * A task as the service knows it: what was asked for (its config) and where it stands. Plain
 * types, at the bottom of the order: the database stores them (db/task-rows.ts), the rooms above
 * read and change them.
 */
import type { AgentName } from './agent-names.ts';
import type { AttemptLimits } from './attempt-limits.ts';
import type { TaskStatus } from './statuses.ts';

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
