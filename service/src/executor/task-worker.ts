import type { Db } from '../db/db.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { Logger } from '../logger.ts';
import { type AttemptJob, BUDGET_CHANNEL, CANCEL_CHANNEL, RACE_CHANNEL, type TaskQueue } from '../queue/task-queue.ts';
import type { AttemptJobHandler } from './attempt-job.ts';
import type { StopReason } from './process-ending.ts';
import type { TaskStarter } from './task-starter.ts';
import type { WinnerPush } from './winner-push.ts';

interface RunningAttempt {
  label: string;
  startedAt: number;
  controller: AbortController;
  done: Promise<void>;
}

/** A drain's default wait is the running attempts' remaining time limits, but never more than this. */
export const MAX_DEFAULT_DRAIN_SECONDS = 30 * 60;
// Beyond the limits: committing, recording and settling the job after the last process ends.
const DRAIN_SETTLE_SECONDS = 15;

/**
 * This instance's workers: start tasks and run attempts from the queues, keep an abort handle
 * per running attempt, and stop a task's attempts here when its cancellation or spent budget is
 * announced (from any instance) or when the service shuts down.
 */
export class TaskWorker {
  private readonly running = new Map<string, Set<RunningAttempt>>();
  private readonly db: Db;
  private readonly tasks: TaskRepository;
  private readonly queue: TaskQueue;
  private readonly starter: TaskStarter;
  private readonly attempts: AttemptJobHandler;
  private readonly pushes: WinnerPush;
  private readonly logger: Logger;
  private readonly unlisten: Array<() => Promise<void>> = [];

  constructor(deps: { db: Db; tasks: TaskRepository; queue: TaskQueue; starter: TaskStarter; attempts: AttemptJobHandler; pushes: WinnerPush; logger: Logger }) {
    this.db = deps.db;
    this.tasks = deps.tasks;
    this.queue = deps.queue;
    this.starter = deps.starter;
    this.attempts = deps.attempts;
    this.pushes = deps.pushes;
    this.logger = deps.logger;
  }

  /**
   * `concurrency` tasks started at once, up to `attemptConcurrency` attempts from each of
   * `attemptQueues`, and the pushes of the winners this instance ran, from `pushQueue`.
   */
  async start(options: { concurrency: number; attemptConcurrency: number; attemptQueues: readonly string[]; pushQueue: string }): Promise<void> {
    this.unlisten.push(
      await this.db.listen(CANCEL_CHANNEL, (taskId) => this.stopTask(taskId, 'cancelled'), () => void this.catchUpCancellations()),
      await this.db.listen(BUDGET_CHANNEL, (taskId) => this.stopTask(taskId, 'budget')),
      await this.db.listen(RACE_CHANNEL, (taskId) => this.stopTask(taskId, 'race_won')),
    );
    if (options.concurrency === 0) return;
    await this.queue.work(options.concurrency, (taskId) => this.starter.start(taskId));
    await this.queue.workAttempts(options.attemptQueues, options.attemptConcurrency, (job, jobSignal) => this.runAttempt(job, jobSignal));
    await this.queue.workPushes(options.pushQueue, (job) => this.pushes.push(job));
  }

  private stopTask(taskId: string, reason: StopReason): void {
    for (const attempt of this.running.get(taskId) ?? []) attempt.controller.abort(reason);
  }

  /** After a lost LISTEN connection: cancellations requested meanwhile are read from the table. */
  private async catchUpCancellations(): Promise<void> {
    try {
      for (const id of await this.tasks.cancelRequested([...this.running.keys()])) this.stopTask(id, 'cancelled');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not catch up on cancellations');
    }
  }

  /** Attempts running in this process now (for the instances list). */
  get attemptsRunning(): number {
    let count = 0;
    for (const set of this.running.values()) count += set.size;
    return count;
  }

  /**
   * Takes no more tasks or attempts and waits until the running ones (their verify and judge
   * included) have ended and their jobs are settled, or `seconds` have passed (default: the
   * longest one's remaining time limits, at most MAX_DEFAULT_DRAIN_SECONDS). Resolves true when
   * everything ended; what is still running is then stop()'s to hand back.
   */
  async drain(seconds?: number): Promise<boolean> {
    const taking = this.queue.stopTaking().then(
      () => true,
      (error: unknown) => {
        this.logger.warn({ err: error }, 'draining: the queue did not stop cleanly');
        return false;
      },
    );
    const limit = seconds ?? Math.min(MAX_DEFAULT_DRAIN_SECONDS, await this.remainingSeconds());
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), limit * 1000);
    });
    try {
      return await Promise.race([taking, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The most any running attempt may still take: setup, agent (all rounds), verify rounds and judge, from its start. */
  private async remainingSeconds(): Promise<number> {
    let longest = 0;
    for (const [taskId, attempts] of this.running) {
      const task = await this.tasks.get(taskId).catch(() => undefined);
      if (!task) continue;
      const { config } = task;
      for (const attempt of attempts) {
        const spec = config.agents.find((agent) => agent.label === attempt.label);
        const limits =
          (config.setup?.command ? (config.setup.timeoutSeconds ?? 600) : 0) +
          (spec?.timeoutSeconds ?? 0) +
          (config.verify ? config.verify.timeoutSeconds * (config.verify.maxRounds ?? 1) : 0) +
          (config.judge?.timeoutSeconds ?? 0);
        longest = Math.max(longest, limits - (Date.now() - attempt.startedAt) / 1000);
      }
    }
    return Math.ceil(longest) + DRAIN_SETTLE_SECONDS;
  }

  /** Stops every running attempt's agents and waits until they have let go of git and the database. */
  async stop(): Promise<void> {
    const attempts = [...this.running.values()].flatMap((set) => [...set]);
    for (const attempt of attempts) attempt.controller.abort('shutdown' satisfies StopReason);
    await Promise.allSettled(attempts.map((attempt) => attempt.done));
    for (const unlisten of this.unlisten.splice(0)) await unlisten();
  }

  private async runAttempt(job: AttemptJob, jobSignal: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const attempt: RunningAttempt = { label: job.label, startedAt: Date.now(), controller, done: this.attempts.handle(job, controller) };
    const ofTask = this.running.get(job.taskId) ?? new Set();
    ofTask.add(attempt);
    this.running.set(job.taskId, ofTask);
    const onJobAbort = () => controller.abort('shutdown' satisfies StopReason);
    jobSignal.addEventListener('abort', onJobAbort, { once: true });
    try {
      await attempt.done;
      // Failing the job (rather than completing it) has the queue hand the attempt out again.
      if (controller.signal.reason === 'shutdown') throw new Error(`attempt ${job.label} of task ${job.taskId} interrupted by shutdown`);
    } catch (error) {
      this.logger.error({ err: error, taskId: job.taskId, agent: job.label }, 'attempt run failed; the queue will retry it');
      throw error;
    } finally {
      jobSignal.removeEventListener('abort', onJobAbort);
      ofTask.delete(attempt);
      if (ofTask.size === 0) this.running.delete(job.taskId);
    }
  }
}
