import type { SSEStreamingApi } from 'hono/streaming';
import type { EventFeed } from './event-feed.ts';
import { LiveStream, type LiveStreamOptions } from './live-stream.ts';

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
  deps: LiveStreamOptions & { feed: EventFeed },
  /** Which of the changed tasks the reader may see (all when absent). */
  visible?: (taskIds: string[]) => Promise<string[]>,
): Promise<void> {
  const changed = new Set<string>();
  let resync = false;
  const stream = await LiveStream.open(sse, deps, (wake) =>
    deps.feed.subscribeToAll((taskId) => {
      if (taskId === undefined) resync = true;
      else changed.add(taskId);
      wake();
    }),
  );
  try {
    await sse.writeSSE({ event: 'connected', data: '{}' });
    while (!stream.finished) {
      if (changed.size === 0 && !resync) {
        await stream.sleep();
        continue;
      }
      await new Promise((gathered) => setTimeout(gathered, CHANGES_BATCH_MS));
      if (stream.finished) break;
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
    await stream.whyEnded();
  } finally {
    stream.close();
  }
}
