import type { SSEStreamingApi } from 'hono/streaming';
import type { EventFeed } from './event-feed.ts';
import { accessEnded, HEARTBEAT_MS, instanceLeaving, type StreamAccess, watchAccess } from './progress-stream.ts';

/** How long changes are gathered before they are sent: a busy task stores many events a second. */
export const CHANGES_BATCH_MS = 300;

/**
 * Writes which tasks changed, live, for the review pages' task list: `connected`, then
 * `changed` with `{taskIds}` at most every CHANGES_BATCH_MS, and `resync` after the feed lost
 * its LISTEN (the reader reloads the list). The reader fetches what it shows; this stream
 * carries no task data, so it cannot show a task to anyone who could not read it.
 */
export async function streamTaskChanges(
  sse: SSEStreamingApi,
  deps: { feed: EventFeed; heartbeatMs?: number; access?: StreamAccess | undefined },
  /** Which of the changed tasks the reader may see (all when absent). */
  visible?: (taskIds: string[]) => Promise<string[]>,
): Promise<void> {
  const changed = new Set<string>();
  let resync = false;
  let wakeUp: (() => void) | undefined;
  const subscription = await deps.feed.subscribeToAll((taskId) => {
    if (taskId === undefined) resync = true;
    else changed.add(taskId);
    wakeUp?.();
  });
  const stop = () => wakeUp?.();
  sse.onAbort(stop);
  subscription.closed.addEventListener('abort', stop);
  let revoked = false;
  const stopWatching = watchAccess(deps.access, () => {
    revoked = true;
    stop();
  });
  const heartbeat = setInterval(() => void sse.write(': heartbeat\n\n'), deps.heartbeatMs ?? HEARTBEAT_MS);
  const finished = () => revoked || sse.aborted || sse.closed || subscription.closed.aborted;
  try {
    await sse.writeSSE({ event: 'connected', data: '{}' });
    while (!finished()) {
      if (changed.size === 0 && !resync) {
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
        });
        wakeUp = undefined;
        continue;
      }
      await new Promise((gathered) => setTimeout(gathered, CHANGES_BATCH_MS));
      if (finished()) break;
      if (resync) {
        resync = false;
        changed.clear();
        await sse.writeSSE({ event: 'resync', data: '{}' });
      } else {
        const gathered = [...changed];
        changed.clear();
        const taskIds = visible ? await visible(gathered) : gathered;
        if (taskIds.length > 0) await sse.writeSSE({ event: 'changed', data: JSON.stringify({ taskIds }) });
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
