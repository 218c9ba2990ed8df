/**
 * Draining this instance (SIGTERM, POST /api/v1/admin/drain): readiness answers 503 at once,
 * streams end with a retry hint, no new tasks or attempts are taken, and running ones may finish
 * for up to KAGE_DRAIN_SECONDS (undefined: their remaining time limits, at most 30 min; 0: none).
 */
import type { EventFeed } from '../events/event-feed.ts';
import type { Logger } from '../logger.ts';
import type { InstanceRegistry } from '../queue/instance-registry.ts';
import type { TaskWorker } from './task-worker.ts';

export class InstanceDrain {
  private readonly deps: { feed: EventFeed; registry: InstanceRegistry; worker: TaskWorker; logger: Logger; drainSeconds: number | undefined };
  private running: Promise<void> | undefined;
  private finished: () => void = () => {};
  /** Resolves once a drain, from wherever it was asked, is over: main then stops and exits. */
  readonly drained = new Promise<void>((resolve) => {
    this.finished = resolve;
  });

  constructor(deps: InstanceDrain['deps']) {
    this.deps = deps;
  }

  get draining(): boolean {
    return this.running !== undefined;
  }

  /** Starts draining; a second call returns the same promise. */
  drain(reason: string): Promise<void> {
    this.running ??= this.run(reason).finally(this.finished);
    return this.running;
  }

  private async run(reason: string): Promise<void> {
    const { feed, registry, worker, logger, drainSeconds: seconds } = this.deps;
    logger.info({ reason, drainSeconds: seconds ?? 'the running attempts’ remaining time limits (at most 30 min)' }, 'draining: taking no new work, letting running attempts finish');
    feed.drain();
    await registry.markDraining();
    const finished = seconds === 0 ? false : await worker.drain(seconds);
    logger.info({ finished, attemptsRunning: worker.attemptsRunning }, finished ? 'drained: every running attempt has ended' : 'drain time is over: what still runs goes back to the queue');
  }
}
