import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import { reviewUrl } from '../tasks/review-url.ts';
import type { Task } from './schemas/task-view-schemas.ts';

/**
 * The API's view of a task: the stored record, its attempts, and links. The review link is
 * absolute (KAGE_PUBLIC_URL): it is meant for people, in a chat message or a pull request.
 */
export function presentTask(task: TaskRecord, runs: readonly AttemptRecord[], publicUrl: string): Task {
  const base = `/api/v1/tasks/${task.id}`;
  return {
    id: task.id,
    description: task.description,
    status: task.status,
    repository: {
      path: task.repositoryPath,
      url: task.repositoryUrl,
      credential: task.credentialName,
      baseRef: task.baseRef,
      baseCommit: task.baseCommit,
    },
    push: task.pushMode,
    pullRequest: task.pullRequest && {
      url: task.pullRequest.url,
      number: task.pullRequest.number,
      agent: task.pullRequest.agentLabel,
      branch: task.pullRequest.branch,
      targetBranch: task.pullRequest.targetBranch,
      forge: task.pullRequest.forge,
    },
    agents: runs.map(presentAttempt),
    verify: task.config.verify ?? null,
    setup: task.config.setup ?? null,
    limits: task.config.limits ?? null,
    judge: task.config.judge ?? null,
    strategy: task.config.strategy ?? 'all',
    strategyResult: strategyResult(task),
    selection: (task.config.selection as Task['selection'] | undefined) ?? null,
    judgement: (task.result?.judge as Task['judgement'] | undefined) ?? null,
    budgetUsd: task.config.budgetUsd ?? null,
    winner: task.winnerLabel,
    winnerPassedVerify: winnerPassedVerify(task, runs),
    totalCostUsd: task.totalCostUsd,
    error: task.error,
    cancelRequested: task.cancelRequested,
    createdBy: task.apiKeyId,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
    startedAt: task.startedAt?.toISOString() ?? null,
    completedAt: task.completedAt?.toISOString() ?? null,
    links: { self: base, events: `${base}/events`, progress: `${base}/progress`, review: reviewUrl(publicUrl, task.id) },
  };
}

/** How a race or a cascade went (kept in the task's result while it runs and at its end). */
function strategyResult(task: TaskRecord): Task['strategyResult'] {
  const race = task.result?.race as NonNullable<Task['strategyResult']>['race'];
  const cascade = task.result?.cascade as NonNullable<Task['strategyResult']>['cascade'];
  return race || cascade ? { ...(race ? { race } : {}), ...(cascade ? { cascade } : {}) } : null;
}

function winnerPassedVerify(task: TaskRecord, runs: readonly AttemptRecord[]): boolean | null {
  const verify = runs.find((run) => run.label === task.winnerLabel)?.verify as { passed?: boolean } | null | undefined;
  return typeof verify?.passed === 'boolean' ? verify.passed : null;
}

function presentAttempt(run: AttemptRecord): Task['agents'][number] {
  return {
    label: run.label,
    agent: run.agent,
    model: run.model,
    status: run.status,
    branch: run.branch,
    worker: run.worker,
    exitCode: run.exitCode,
    costUsd: run.costUsd,
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    sessionId: run.sessionId,
    finalMessage: run.finalMessage,
    filesChanged: run.filesChanged,
    insertions: run.insertions,
    deletions: run.deletions,
    headCommit: run.headCommit,
    durationMs: run.startedAt && run.completedAt ? run.completedAt.getTime() - run.startedAt.getTime() : null,
    verify: (run.verify as Task['agents'][number]['verify']) ?? null,
    score: (run.score as Task['agents'][number]['score']) ?? null,
    error: run.error,
    stderrTail: run.stderrTail,
    stopReason: run.stopReason,
    startedAt: run.startedAt?.toISOString() ?? null,
    completedAt: run.completedAt?.toISOString() ?? null,
  };
}

