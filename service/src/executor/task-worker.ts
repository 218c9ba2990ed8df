import type { Db } from '../db/db.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { Logger } from '../logger.ts';
import { CANCEL_CHANNEL, type TaskQueue } from '../queue/task-queue.ts';
import type { StopReason } from './attempt-runner.ts';
import type { TaskRunner } from './task-runner.ts';

/**
 * This instance's workers: takes tasks from the queue, keeps an abort handle per running task,
 * and stops a task's agents when its cancellation is announced (from any instance) or when the
 * service shuts down.
 */
export class TaskWorker {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly db: Db;
  private readonly tasks: TaskRepository;
  private readonly queue: TaskQueue;
  private readonly runner: TaskRunner;
  private readonly logger: Logger;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(deps: { db: Db; tasks: TaskRepository; queue: TaskQueue; runner: TaskRunner; logger: Logger }) {
    this.db = deps.db;
    this.tasks = deps.tasks;
    this.queue = deps.queue;
    this.runner = deps.runner;
    this.logger = deps.logger;
  }

  async start(concurrency: number): Promise<void> {
    this.unlisten = await this.db.listen(
      CANCEL_CHANNEL,
      (taskId) => this.running.get(taskId)?.controller.abort('cancelled' satisfies StopReason),
      () => void this.catchUpCancellations(),
    );
    await this.queue.work(concurrency, (taskId, jobSignal) => this.runOne(taskId, jobSignal));
  }

  /** After a lost LISTEN connection: cancellations requested meanwhile are read from the table. */
  private async catchUpCancellations(): Promise<void> {
    try {
      for (const id of await this.tasks.cancelRequested([...this.running.keys()])) {
        this.running.get(id)?.controller.abort('cancelled' satisfies StopReason);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not catch up on cancellations');
    }
  }

  /** Stops every running task's agents and waits until their runs have let go of git and the database. */
  async stop(): Promise<void> {
    const runs = [...this.running.values()];
    for (const run of runs) run.controller.abort('shutdown' satisfies StopReason);
    await Promise.allSettled(runs.map((run) => run.done));
    await this.unlisten?.();
  }

  private async runOne(taskId: string, jobSignal: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const done = this.runner.run(taskId, controller.signal);
    this.running.set(taskId, { controller, done });
    const onJobAbort = () => controller.abort('shutdown' satisfies StopReason);
    jobSignal.addEventListener('abort', onJobAbort, { once: true });
    try {
      await done;
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
