import type { EventStore } from './event-store.ts';
import type { TaskEvent } from './event-types.ts';

/**
 * One query for many readers: SSE streams of a task that are caught up all read "after the same
 * seq" when a NOTIFY arrives, so concurrent identical reads share one database round trip
 * instead of one per open stream.
 */
export class SharedEventReads {
  private readonly store: Pick<EventStore, 'listAfter' | 'runEnd'>;
  private readonly inFlight = new Map<string, Promise<TaskEvent[]>>();

  constructor(store: Pick<EventStore, 'listAfter' | 'runEnd'>) {
    this.store = store;
  }

  listAfter(taskId: string, after: number, limit: number): Promise<TaskEvent[]> {
    const key = `${taskId}/${after}/${limit}`;
    let read = this.inFlight.get(key);
    if (!read) {
      read = this.store.listAfter(taskId, after, limit).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, read);
    }
    return read;
  }

  runEnd(taskId: string): ReturnType<EventStore['runEnd']> {
    return this.store.runEnd(taskId);
  }
}
