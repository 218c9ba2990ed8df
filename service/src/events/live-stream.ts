/**
 * What every live SSE stream shares, whatever it carries: a heartbeat comment so proxies keep
 * it open, a wake-up for its loop, and its end — when the reader leaves, when the reader's key
 * or session stops holding, or when the feed closes because this instance drains or stops —
 * with a last message that says why (except when the reader left: nobody is there to read it).
 */
import type { SSEStreamingApi } from 'hono/streaming';
import type { FeedSubscription } from './event-feed.ts';

export const HEARTBEAT_MS = 15_000;
/** How often an open stream asks whether its caller's key or session still holds. */
export const ACCESS_RECHECK_MS = 2_000;
/** How soon a reader should reconnect when this instance ends its stream to shut down (SSE `retry`, ms). */
export const RECONNECT_MS = 1_000;

/** Whether the stream's reader may still read: its key not revoked or expired, its session not ended. */
export interface StreamAccess {
  stillValid: () => Promise<boolean>;
  recheckMs?: number | undefined;
}

export interface LiveStreamOptions {
  heartbeatMs?: number | undefined;
  access?: StreamAccess | undefined;
}

/** The last message of a stream whose reader lost access; EventSource then reconnects and gets 401. */
export const accessEnded = {
  event: 'unauthorized',
  data: JSON.stringify({ message: 'The API key of this stream was revoked or has expired, or its session ended: the stream is closed' }),
};

/** The last message of a stream this instance ends because it drains or stops; `retry` has EventSource come back soon, to another instance. */
export const instanceLeaving = {
  event: 'reconnect',
  data: JSON.stringify({ message: 'This instance is shutting down: reconnect (with Last-Event-ID) and another instance carries on' }),
  retry: RECONNECT_MS,
};

/**
 * Asks `stillValid` every few seconds (one indexed read) and calls `lost` once it says no, so a
 * stream opened with a key ends soon after the key is revoked or expires, or its session ends.
 * Returns the stop function. A failed check (database hiccup) keeps the stream: the next decides.
 */
export function watchAccess(access: StreamAccess | undefined, lost: () => void): () => void {
  if (!access) return () => {};
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    access
      .stillValid()
      .then((valid) => {
        if (valid) return;
        clearInterval(timer);
        lost();
      })
      .catch(() => {})
      .finally(() => {
        checking = false;
      });
  }, access.recheckMs ?? ACCESS_RECHECK_MS);
  return () => clearInterval(timer);
}

/** A loop's sleep until something happens: `wake()` ends the current `sleep()` (and is lost when none is under way). */
class WakeSignal {
  private wakeUp: (() => void) | undefined;

  wake(): void {
    this.wakeUp?.();
  }

  async sleep(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
    });
    this.wakeUp = undefined;
  }
}

/**
 * One open stream over a feed subscription. Its loop runs while `!finished`, sleeps until the
 * subscription's listener calls `wake` (or the stream ends), says `whyEnded()` after the loop,
 * and `close()`s in a `finally`.
 */
export class LiveStream {
  private readonly sse: SSEStreamingApi;
  private readonly subscription: FeedSubscription;
  private readonly signal: WakeSignal;
  private readonly stopWatching: () => void;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private revoked = false;

  /** Subscribes (`subscribe` is given the wake-up for its listener) and starts the stream's heartbeat and access checks. */
  static async open(sse: SSEStreamingApi, options: LiveStreamOptions, subscribe: (wake: () => void) => Promise<FeedSubscription>): Promise<LiveStream> {
    const signal = new WakeSignal();
    const subscription = await subscribe(() => signal.wake());
    return new LiveStream(sse, subscription, signal, options);
  }

  private constructor(sse: SSEStreamingApi, subscription: FeedSubscription, signal: WakeSignal, options: LiveStreamOptions) {
    this.sse = sse;
    this.subscription = subscription;
    this.signal = signal;
    const wake = () => signal.wake();
    sse.onAbort(wake);
    subscription.closed.addEventListener('abort', wake);
    this.stopWatching = watchAccess(options.access, () => {
      this.revoked = true;
      wake();
    });
    this.heartbeat = setInterval(() => void sse.write(': heartbeat\n\n'), options.heartbeatMs ?? HEARTBEAT_MS);
  }

  get finished(): boolean {
    return this.revoked || this.readerLeft || this.subscription.closed.aborted;
  }

  /** Until the subscription's listener wakes the loop, or the stream ends. */
  async sleep(): Promise<void> {
    await this.signal.sleep();
  }

  /** The last message, when the stream ended for its access or this instance leaving. */
  async whyEnded(): Promise<void> {
    if (this.readerLeft) return;
    if (this.revoked) await this.sse.writeSSE(accessEnded);
    else if (this.subscription.closed.aborted) await this.sse.writeSSE(instanceLeaving);
  }

  close(): void {
    this.stopWatching();
    clearInterval(this.heartbeat);
    this.subscription.unsubscribe();
  }

  private get readerLeft(): boolean {
    return this.sse.aborted || this.sse.closed;
  }
}
