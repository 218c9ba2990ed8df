import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import { CANCEL_CHANNEL } from '../tasks/task-service.ts';
import type { StopReason } from './attempt-runner.ts';
import type { TaskRunner } from './task-runner.ts';

/**
 * This instance's workers: takes tasks from the queue, keeps an abort handle per running task,
 * and stops a task's agents when its cancellation is announced (from any instance) or when the
 * service shuts down.
 */
export class TaskExecutor {
  private readonly running = new Map<string, AbortController>();
  private readonly db: Db;
  private readonly queue: TaskQueue;
  private readonly runner: TaskRunner;
  private readonly logger: Logger;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(deps: { db: Db; queue: TaskQueue; runner: TaskRunner; logger: Logger }) {
    this.db = deps.db;
    this.queue = deps.queue;
    this.runner = deps.runner;
    this.logger = deps.logger;
  }

  async start(concurrency: number): Promise<void> {
    this.unlisten = await this.db.listen(CANCEL_CHANNEL, (taskId) => this.running.get(taskId)?.abort('cancelled' satisfies StopReason));
    await this.queue.work(concurrency, (taskId, jobSignal) => this.runOne(taskId, jobSignal));
  }

  /** Worktree paths of the tasks running here: what start-up pruning must leave alone. */
  runningTaskIds(): string[] {
    return [...this.running.keys()];
  }

  async stop(): Promise<void> {
    for (const controller of this.running.values()) controller.abort('shutdown' satisfies StopReason);
    await this.unlisten?.();
  }

  private async runOne(taskId: string, jobSignal: AbortSignal): Promise<void> {
    const controller = new AbortController();
    this.running.set(taskId, controller);
    const onJobAbort = () => controller.abort('shutdown' satisfies StopReason);
    jobSignal.addEventListener('abort', onJobAbort, { once: true });
    try {
      await this.runner.run(taskId, controller.signal);
      // Failing the job (rather than completing it) has the queue hand the task out again.
      if (controller.signal.reason === 'shutdown') throw new Error(`task ${taskId} interrupted by shutdown`);
    } catch (error) {
      this.logger.error({ err: error, taskId }, 'task run failed; the queue will retry it');
      throw error;
    } finally {
      jobSignal.removeEventListener('abort', onJobAbort);
      this.running.delete(taskId);
    }
  }
}
