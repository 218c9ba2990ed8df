import { PgBoss, fromPglite } from 'pg-boss';
import type { Db, Queryable } from '../db/db.ts';
import type { Logger } from '../logger.ts';

export const TASK_QUEUE = 'kage-tasks';

/** NOTIFY channel carrying a task id whose cancellation was requested; the worker running it stops it. */
export const CANCEL_CHANNEL = 'kage_cancel';

// A crashed instance stops sending heartbeats; after this long its task is handed to another
// worker (or to this one after a restart). pg-boss's minimum is 10 s. The supervisor that
// notices a stale heartbeat runs every SUPERVISE_SECONDS (pg-boss's default is a minute).
const HEARTBEAT_SECONDS = 15;
const SUPERVISE_SECONDS = 5;

const bossOptions = {
  schedule: false,
  useListenNotify: true,
  superviseIntervalSeconds: SUPERVISE_SECONDS,
  monitorIntervalSeconds: SUPERVISE_SECONDS,
} as const;

export interface TaskJob {
  taskId: string;
}

export type TaskHandler = (taskId: string, signal: AbortSignal) => Promise<void>;

/**
 * One pg-boss job per task. Jobs are enqueued in the transaction that stores the task, so a
 * stored task always has a job; heartbeats let a crashed worker's task be picked up again.
 */
export class TaskQueue {
  private readonly boss: PgBoss;
  private readonly logger: Logger;
  private started = false;

  constructor(db: Db, logger: Logger) {
    this.logger = logger;
    const connection = db.connection;
    this.boss =
      connection.kind === 'pglite'
        ? new PgBoss({ db: fromPglite(connection.pglite), backend: 'pglite', ...bossOptions })
        : new PgBoss({ connectionString: connection.connectionString, max: 4, ...bossOptions });
    this.boss.on('error', (error: Error) => this.logger.error({ err: error }, 'queue error'));
    this.boss.on('warning', (warning: unknown) => this.logger.warn({ warning }, 'queue warning'));
  }

  async start(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(TASK_QUEUE, {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      retryLimit: 20,
      retryDelay: 1,
      notify: true,
    });
    this.started = true;
  }

  /** Enqueues inside the caller's transaction, so the job exists exactly when the task does. */
  async enqueue(tx: Queryable, taskId: string): Promise<void> {
    const db = { executeSql: async (text: string, values?: unknown[]) => ({ rows: await tx.query(text, (values ?? []) as never) }) };
    await this.boss.send(TASK_QUEUE, { taskId } satisfies TaskJob, { singletonKey: taskId, db });
  }

  /** Starts `concurrency` workers in this process; each runs one task at a time. */
  async work(concurrency: number, handler: TaskHandler): Promise<void> {
    if (concurrency === 0) return;
    await this.boss.work<TaskJob>(
      TASK_QUEUE,
      // NOTIFY wakes an idle worker when a task is submitted, but a worker that just finished
      // only looks again at its next poll: keep that short, or a backlog drains at one task per
      // worker every 30 s (pg-boss's default with notify on).
      { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 1 },
      async ([job]) => {
        if (job) await handler(job.data.taskId, job.signal);
      },
    );
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Not graceful: running tasks are aborted by the executor's own shutdown; their jobs are
    // picked up again after a restart through the heartbeat.
    await this.boss.stop({ graceful: false, close: true, timeout: 5000 });
  }
}
