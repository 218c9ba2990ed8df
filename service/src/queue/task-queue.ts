import { PgBoss, fromPglite } from 'pg-boss';
import type { Db, Queryable } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import { tracingOn } from '../tracing/trace-switch.ts';

export const TASK_QUEUE = 'kage-tasks';

/** Attempts any instance can run: those of URL tasks (each instance fetches its own mirror). */
export const SHARED_ATTEMPT_QUEUE = 'kage-attempts';

/**
 * Attempts of local-path tasks run where the path is: on the host that accepted the task. Any
 * instance on that host takes them from this queue.
 */
export function hostAttemptQueue(host: string): string {
  return `kage-attempts-on-${queueNamePart(host)}`;
}

/**
 * A task's winner is pushed from the mirror that holds its branch: that of the instance that ran
 * it, which takes the push from its own queue (after a restart too, its name being stable).
 */
export function instancePushQueue(workerName: string): string {
  return `kage-pushes-on-${queueNamePart(workerName)}`;
}

/** A host or worker name as pg-boss takes it in a queue's name. */
function queueNamePart(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 60);
}

// A push that fails is tried again after 5 s, then 10 s; the third failure is the push's outcome.
const PUSH_TRIES = 3;
const PUSH_RETRY_DELAY_SECONDS = 5;

/** NOTIFY channel carrying a task id whose cancellation was requested; the workers running its attempts stop them. */
export const CANCEL_CHANNEL = 'kage_cancel';

/** NOTIFY channel carrying a task id whose race was won: the workers running its other attempts stop them. */
export const RACE_CHANNEL = 'kage_race_won';

/** NOTIFY channel carrying a task id whose budget is spent; the workers running its attempts stop them. */
export const BUDGET_CHANNEL = 'kage_budget';

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

export interface AttemptJob {
  taskId: string;
  label: string;
}

export interface PushJob {
  taskId: string;
}

/** Whether a push was queued, one was waiting or running already, or the instance that ran the winner serves no push queue. */
export type PushQueued = 'queued' | 'already' | 'no_queue';

export type TaskHandler = (taskId: string, signal: AbortSignal) => Promise<void>;
export type AttemptHandler = (job: AttemptJob, signal: AbortSignal) => Promise<void>;
/** Throws to have the push tried again; `lastTry` says no try follows this one. */
export type PushHandler = (job: PushJob & { lastTry: boolean }) => Promise<void>;

/**
 * One pg-boss job per task, which starts it, and one per attempt, which runs it. Jobs are
 * enqueued in the transaction that stores what they act on, so a stored task always has its
 * jobs; heartbeats let a crashed instance's attempt be picked up again by another.
 */
export class TaskQueue {
  private readonly boss: PgBoss;
  private readonly db: Db;
  private readonly logger: Logger;
  private started = false;
  private ownPushQueue: string | undefined;
  /** Queues this process works, so a drain can stop taking from each. */
  private readonly worked = new Set<string>();

  constructor(db: Db, logger: Logger) {
    this.db = db;
    this.logger = logger;
    const connection = db.connection;
    // Tracing on: each job keeps the trace context it was sent in, and the span that processes it
    // (on whichever instance) continues that trace, so a task's attempts join its trace. Off: no
    // spans and no context stored.
    const options = { ...bossOptions, openTelemetry: { enabled: tracingOn(), propagateContext: true } };
    this.boss =
      connection.kind === 'pglite'
        ? new PgBoss({ db: fromPglite(connection.pglite), backend: 'pglite', ...options })
        : new PgBoss({ connectionString: connection.connectionString, max: 4, ...options });
    this.boss.on('error', (error: Error) => this.logger.error({ err: error }, 'queue error'));
    this.boss.on('warning', (warning: unknown) => this.logger.warn({ warning }, 'queue warning'));
  }

  /** Starts pg-boss and makes sure the task queue and the attempt and push queues this instance serves exist. */
  async start(attemptQueues: readonly string[], pushQueue: string): Promise<void> {
    await this.boss.start();
    for (const name of [TASK_QUEUE, ...attemptQueues]) await this.ensureQueue(name);
    // Exclusive: one push per task waiting or running at a time, however often it is asked for.
    await this.ensureQueue(pushQueue, 'exclusive');
    this.ownPushQueue = pushQueue;
    this.started = true;
  }

  private async ensureQueue(name: string, policy: 'standard' | 'exclusive' = 'standard'): Promise<void> {
    await this.boss.createQueue(name, { policy, heartbeatSeconds: HEARTBEAT_SECONDS, retryLimit: 20, retryDelay: 1, notify: true });
  }

  /** Enqueues inside the caller's transaction, so the job exists exactly when the task does. */
  async enqueue(tx: Queryable, taskId: string): Promise<void> {
    await this.boss.send(TASK_QUEUE, { taskId } satisfies TaskJob, { singletonKey: taskId, db: inTransaction(tx) });
  }

  /**
   * One job per attempt, inside the caller's transaction (the one that starts the task, or a
   * follow-up's, whose `run` tells its job from the attempt's first).
   */
  async enqueueAttempts(tx: Queryable, queue: string, taskId: string, labels: readonly string[], run = 'first'): Promise<void> {
    // The queue exists: the instance that accepted the task created its host's queue at start.
    for (const label of labels) {
      const singletonKey = run === 'first' ? `${taskId}/${label}` : `${taskId}/${label}/${run}`;
      await this.boss.send(queue, { taskId, label } satisfies AttemptJob, { singletonKey, db: inTransaction(tx) });
    }
  }

  /**
   * The winner's push, retried, for the instance that ran it (`worker`): inside the transaction
   * that ends the task (so a task that ended has its push, whatever happens to this process
   * next), or alone when asked to push again.
   */
  async enqueuePush(tx: Queryable | undefined, worker: string, taskId: string): Promise<PushQueued> {
    // The embedded database has one instance, whose mirror holds every branch, whatever name a
    // run before a restart went by (a container's host name changes).
    const queue = this.db.connection.kind === 'pglite' && this.ownPushQueue ? this.ownPushQueue : instancePushQueue(worker);
    try {
      const id = await this.boss.send(queue, { taskId } satisfies PushJob, {
        singletonKey: `${taskId}/push`,
        retryLimit: PUSH_TRIES - 1,
        retryDelay: PUSH_RETRY_DELAY_SECONDS,
        retryBackoff: true,
        ...(tx ? { db: inTransaction(tx) } : {}),
      });
      return id === null ? 'already' : 'queued';
    } catch (error) {
      // Thrown before any statement, so the caller's transaction goes on: an instance of a version
      // before pushes were queued never made its queue.
      if ((error as { code?: string }).code === 'PGBOSS_QUEUE_NOT_FOUND') return 'no_queue';
      throw error;
    }
  }

  /** Starts `concurrency` task workers in this process; each starts one task at a time. */
  async work(concurrency: number, handler: TaskHandler): Promise<void> {
    if (concurrency === 0) return;
    this.worked.add(TASK_QUEUE);
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

  /** Starts `concurrency` attempt workers on each of `queues`; each runs one attempt at a time. */
  async workAttempts(queues: readonly string[], concurrency: number, handler: AttemptHandler): Promise<void> {
    if (concurrency === 0) return;
    for (const queue of queues) {
      this.worked.add(queue);
      await this.boss.work<AttemptJob>(
        queue,
        { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 1 },
        async ([job]) => {
          if (job) await handler(job.data, job.signal);
        },
      );
    }
  }

  /** Pushes this instance's winners (from its own queue), one at a time. */
  async workPushes(queue: string, handler: PushHandler): Promise<void> {
    this.worked.add(queue);
    // A retry is due 5 or 10 s after a failed try; with notify on, pg-boss would look only every 30 s.
    const options = { localConcurrency: 1, batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 2 } as const;
    await this.boss.work<PushJob, void, typeof options>(queue, options, async ([job]) => {
      if (job) await handler({ taskId: job.data.taskId, lastTry: job.retryCount >= job.retryLimit });
    });
  }

  /** Each queue's waiting and active jobs, and how long its oldest waiting job has waited (for /metrics). */
  async figures(): Promise<Array<{ queue: string; queued: number; active: number; oldestQueuedSeconds: number | null }>> {
    const queues = await this.boss.getQueues();
    const oldest = await this.db.query<{ name: string; seconds: number }>(
      `SELECT name, EXTRACT(EPOCH FROM now() - min(created_on))::float8 AS seconds FROM pgboss.job WHERE state IN ('created', 'retry') GROUP BY name`,
    );
    const ages = new Map(oldest.map((row) => [row.name, row.seconds]));
    return queues.map((queue) => ({ queue: queue.name, queued: queue.queuedCount, active: queue.activeCount, oldestQueuedSeconds: ages.get(queue.name) ?? (queue.queuedCount === 0 ? 0 : null) }));
  }

  /**
   * Draining: this process takes no more jobs. Resolves once the jobs it holds have ended and
   * been settled (completed, or failed for another instance to retry); until then their
   * heartbeats go on, so no other instance takes them meanwhile.
   */
  async stopTaking(): Promise<void> {
    await Promise.all([...this.worked].map((name) => this.boss.offWork(name, { wait: true })));
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Not graceful: running tasks are aborted by the executor's own shutdown; their jobs are
    // picked up again after a restart through the heartbeat.
    await this.boss.stop({ graceful: false, close: true, timeout: 5000 });
  }
}

/** pg-boss's way of running its insert on the caller's connection, inside the caller's transaction. */
function inTransaction(tx: Queryable) {
  return { executeSql: async (text: string, values?: unknown[]) => ({ rows: await tx.query(text, (values ?? []) as never) }) };
}
