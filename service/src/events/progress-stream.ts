import type { SSEStreamingApi } from 'hono/streaming';
import type { EventFeed } from './event-feed.ts';
import type { EventStore } from './event-store.ts';
import { terminalEventTypes } from './event-types.ts';

export const HEARTBEAT_MS = 15_000;
/** How often an open stream asks whether its caller's key or session still holds. */
export const ACCESS_RECHECK_MS = 2_000;
// Rows read per query while catching up; a long replay takes several reads.
const PAGE = 500;

export interface ProgressStreamDeps {
  /** Reads of the store; shared between streams (SharedEventReads) in the service. */
  events: Pick<EventStore, 'listAfter' | 'terminalSeq'>;
  feed: EventFeed;
  heartbeatMs?: number;
  access?: StreamAccess | undefined;
}

/** Whether the stream's reader may still read: its key not revoked or expired, its session not ended. */
export interface StreamAccess {
  stillValid: () => Promise<boolean>;
  recheckMs?: number | undefined;
}

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

/** The last message of a stream whose reader lost access; EventSource then reconnects and gets 401. */
export const accessEnded = {
  event: 'unauthorized',
  data: JSON.stringify({ message: 'The API key of this stream was revoked or has expired, or its session ended: the stream is closed' }),
};

/** How soon a reader should reconnect when this instance ends its stream to shut down (SSE `retry`, ms). */
export const RECONNECT_MS = 1_000;

/** The last message of a stream this instance ends because it drains or stops; `retry` has EventSource come back soon, to another instance. */
export const instanceLeaving = {
  event: 'reconnect',
  data: JSON.stringify({ message: 'This instance is shutting down: reconnect (with Last-Event-ID) and another instance carries on' }),
  retry: RECONNECT_MS,
};

/**
 * Writes a task's progress as SSE: `connected`, every stored event after `afterSeq`, then each
 * new event as NOTIFY announces it (the rows are read again, so nothing is lost or repeated:
 * `lastSent` only moves forward). Ends after the terminal event, when the client leaves, or
 * when the feed closes on shutdown. SSE `id` = seq, so a reconnecting client's Last-Event-ID
 * resumes exactly where it left off.
 */
export async function streamProgress(sse: SSEStreamingApi, deps: ProgressStreamDeps, taskId: string, afterSeq: number): Promise<void> {
  let lastSent = afterSeq;
  let dirty = true;
  let wakeUp: (() => void) | undefined;
  const signal = () => {
    dirty = true;
    wakeUp?.();
  };
  // Subscribe before the first read: an event stored in between is then announced, not missed.
  const subscription = await deps.feed.subscribe(taskId, (seq) => {
    if (seq > lastSent) signal();
  });
  sse.onAbort(signal);
  subscription.closed.addEventListener('abort', signal);
  let revoked = false;
  const stopWatching = watchAccess(deps.access, () => {
    revoked = true;
    signal();
  });
  const heartbeat = setInterval(() => void sse.write(': heartbeat\n\n'), deps.heartbeatMs ?? HEARTBEAT_MS);
  const finished = () => revoked || sse.aborted || sse.closed || subscription.closed.aborted;
  try {
    await sse.writeSSE({ event: 'connected', data: JSON.stringify({ taskId, after: afterSeq }) });
    const terminal = await deps.events.terminalSeq(taskId);
    // A client resuming after the terminal event has seen everything the stream will ever send.
    if (terminal !== undefined && terminal <= lastSent) return;
    while (!finished()) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
        });
        wakeUp = undefined;
        continue;
      }
      dirty = false;
      const batch = await deps.events.listAfter(taskId, lastSent, PAGE);
      if (batch.length === PAGE) dirty = true;
      for (const event of batch) {
        if (finished()) break;
        await sse.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event) });
        lastSent = event.seq;
        if (terminalEventTypes.has(event.type)) return;
      }
    }
    if (revoked && !sse.aborted && !sse.closed) await sse.writeSSE(accessEnded);
    else if (subscription.closed.aborted && !sse.aborted && !sse.closed) await sse.writeSSE(instanceLeaving);
  } finally {
    stopWatching();
    clearInterval(heartbeat);
    subscription.unsubscribe();
  }
}
