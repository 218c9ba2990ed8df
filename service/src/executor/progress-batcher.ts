import { retryWhileUnavailable } from '../db/database-unavailable.ts';
import type { EventStore, NewEvent } from '../events/event-store.ts';

/** Lines stored in one transaction at most; also how many may wait before reading pauses. */
const MAX_BATCH = 500;

/**
 * Stores one attempt's progress events in order, as a group commit: a line that arrives while
 * nothing is being stored is stored at once (no added latency); lines that arrive while a batch
 * is being stored go into the next batch, one transaction for all of them. A full batch makes
 * `add` wait for the store, so a slow database slows the reading of the agent's output instead
 * of piling lines up in memory.
 */
export class ProgressBatcher {
  private readonly events: EventStore;
  private readonly taskId: string;
  private pending: NewEvent[] = [];
  private draining: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(events: EventStore, taskId: string) {
    this.events = events;
    this.taskId = taskId;
  }

  /** Queues an event; throws the error of an earlier failed store (the caller stops the agent). */
  async add(event: NewEvent): Promise<void> {
    this.throwIfFailed();
    this.pending.push(event);
    this.draining ??= this.drain();
    if (this.pending.length >= MAX_BATCH) await this.draining;
    this.throwIfFailed();
  }

  /** Waits until every queued event is stored; throws if storing failed. */
  async flush(): Promise<void> {
    await this.draining;
    this.throwIfFailed();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failure) {
        const batch = this.pending.splice(0, MAX_BATCH);
        // Through a database outage the agent keeps running; its lines are stored once it is back.
        await retryWhileUnavailable(() => this.events.appendMany(this.taskId, batch));
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.draining = undefined;
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
