import type { Db } from '../db/db.ts';
import { EVENTS_CHANNEL } from './event-store.ts';

/** Called with the seq of a newly stored event of the subscribed task (possibly out of order or repeated). */
export type StoredListener = (seq: number) => void;

/** Called with the task of each newly stored event; undefined after a lost LISTEN: anything may have changed. */
export type AnyTaskListener = (taskId: string | undefined) => void;

export interface FeedSubscription {
  unsubscribe(): void;
  /** Aborted when the feed closes (shutdown): streams end themselves. */
  readonly closed: AbortSignal;
}

/**
 * One LISTEN per process on the events channel, fanned out to every open SSE stream by task
 * id. Events stored by any instance arrive here through PostgreSQL NOTIFY.
 */
export class EventFeed {
  private readonly db: Db;
  private readonly listeners = new Map<string, Set<StoredListener>>();
  private readonly anyTaskListeners = new Set<AnyTaskListener>();
  private readonly closing = new AbortController();
  private shut = false;
  private unlisten: Promise<() => Promise<void>> | undefined;

  constructor(db: Db) {
    this.db = db;
  }

  /** Resolves once the LISTEN is active, so nothing stored afterwards can be missed. */
  async subscribe(taskId: string, listener: StoredListener): Promise<FeedSubscription> {
    if (this.draining) return this.ended();
    await this.listening();
    let set = this.listeners.get(taskId);
    if (!set) {
      set = new Set();
      this.listeners.set(taskId, set);
    }
    set.add(listener);
    return {
      closed: this.closing.signal,
      unsubscribe: () => {
        const current = this.listeners.get(taskId);
        current?.delete(listener);
        if (current?.size === 0) this.listeners.delete(taskId);
      },
    };
  }

  /** Every task's events (the review pages' task list); resolves once the LISTEN is active. */
  async subscribeToAll(listener: AnyTaskListener): Promise<FeedSubscription> {
    if (this.draining) return this.ended();
    await this.listening();
    this.anyTaskListeners.add(listener);
    return { closed: this.closing.signal, unsubscribe: () => this.anyTaskListeners.delete(listener) };
  }

  /** Number of open subscriptions (for health and tests). */
  get size(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count + this.anyTaskListeners.size;
  }

  /**
   * The instance is draining: every stream ends now, and one opened from now on ends at once,
   * so readers reconnect (to another instance, once the load balancer has taken this one out).
   */
  drain(): void {
    this.closing.abort('draining');
  }

  get draining(): boolean {
    return this.closing.signal.aborted && !this.shut;
  }

  private ended(): FeedSubscription {
    return { closed: this.closing.signal, unsubscribe: () => {} };
  }

  /** Ends every subscription (their streams close) and stops listening. */
  async close(): Promise<void> {
    this.shut = true;
    this.closing.abort();
    this.listeners.clear();
    this.anyTaskListeners.clear();
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    if (unlisten) await (await unlisten)().catch(() => {});
  }

  private async listening(): Promise<void> {
    if (this.shut) throw new Error('The event feed is closed (service shutting down)');
    this.unlisten ??= this.db.listen(EVENTS_CHANNEL, (payload) => this.dispatch(payload), () => this.catchUp()).catch((error: unknown) => {
      this.unlisten = undefined;
      throw error;
    });
    await this.unlisten;
  }

  /** After a lost LISTEN connection: every stream looks in the store for what it missed. */
  private catchUp(): void {
    for (const set of this.listeners.values()) for (const listener of set) listener(Number.MAX_SAFE_INTEGER);
    for (const listener of this.anyTaskListeners) listener(undefined);
  }

  private dispatch(payload: string): void {
    let message: { taskId?: unknown; seq?: unknown };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      return;
    }
    if (typeof message.taskId !== 'string' || typeof message.seq !== 'number') return;
    for (const listener of this.listeners.get(message.taskId) ?? []) listener(message.seq);
    for (const listener of this.anyTaskListeners) listener(message.taskId);
  }
}
