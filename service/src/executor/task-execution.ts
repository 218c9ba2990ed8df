/**
 * The executor, put together: the worker that takes task and attempt jobs, the attempt runner,
 * the task's ending, its judge and its winner's push, on this instance's agents, worktrees and sandbox.
 */
import type { AgentRegistry } from '../agents/agent-registry.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';
import type { Db } from '../db/db.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import { ChangeRecorder } from '../git/change-recorder.ts';
import type { WorktreeManager } from '../git/worktree-manager.ts';
import type { Logger } from '../logger.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { AttemptJobHandler } from './attempt-job.ts';
import { AttemptRunner } from './attempt-runner.ts';
import { TaskBudget } from './task-budget.ts';
import { TaskEnding } from './task-ending.ts';
import { TaskJudge } from './task-judge.ts';
import { TaskStarter } from './task-starter.ts';
import { TaskWorker } from './task-worker.ts';
import { WinnerPush } from './winner-push.ts';

export interface TaskExecutionDeps {
  db: Db;
  tasks: TaskRepository;
  events: EventStore;
  queue: TaskQueue;
  agents: AgentRegistry;
  worktrees: WorktreeManager;
  remotes: TaskRemotes;
  sandbox: Sandbox;
  logger: Logger;
  dataDir: string;
  keepWorktrees: boolean;
  /** Marks this instance's processes (process-tag.ts). */
  instanceTag: string;
  /** This instance's name, recorded on each attempt it runs. */
  workerName: string;
}

export function createTaskWorker(deps: TaskExecutionDeps): TaskWorker {
  const { db, tasks, events, queue, agents, worktrees, remotes, sandbox, logger, instanceTag } = deps;
  const attempts = new AttemptRunner({
    instanceTag,
    workerName: deps.workerName,
    tasks,
    events,
    agents,
    worktrees,
    changes: new ChangeRecorder(),
    remotes,
    sandbox,
    budget: new TaskBudget({ db, tasks }),
    logger,
    keepWorktrees: deps.keepWorktrees,
  });
  const judge = new TaskJudge({ agents, sandbox, dataDir: deps.dataDir, instanceTag, logger });
  const ending = new TaskEnding({ tasks, events, queue, logger, judge });
  return new TaskWorker({
    db,
    tasks,
    queue,
    starter: new TaskStarter({ tasks, events, queue }),
    attempts: new AttemptJobHandler({ tasks, attempts, ending, worktrees, remotes, logger }),
    pushes: new WinnerPush({ tasks, events, remotes }),
    logger,
  });
}
