import type { SSEStreamingApi } from 'hono/streaming';
import type { EventFeed } from './event-feed.ts';
import type { EventStore } from './event-store.ts';
import { terminalEventTypes } from './event-types.ts';
import { LiveStream, type LiveStreamOptions } from './live-stream.ts';

// Rows read per query while catching up; a long replay takes several reads.
const PAGE = 500;

export interface ProgressStreamDeps extends LiveStreamOptions {
  /** Reads of the store; shared between streams (SharedEventReads) in the service. */
  events: Pick<EventStore, 'listAfter' | 'runEnd'>;
  feed: EventFeed;
}

/**
 * Writes a task's progress as SSE: `connected`, every stored event after `afterSeq`, then each
 * new event as NOTIFY announces it (the rows are read again, so nothing is lost or repeated:
 * `lastSent` only moves forward). Ends after the task's terminal event (past the ends of runs a
 * follow-up reopened), when the client leaves, or
 * when the feed closes on shutdown. SSE `id` = seq, so a reconnecting client's Last-Event-ID
 * resumes exactly where it left off.
 */
export async function streamProgress(sse: SSEStreamingApi, deps: ProgressStreamDeps, taskId: string, afterSeq: number): Promise<void> {
  let lastSent = afterSeq;
  let dirty = true;
  // Subscribe before the first read: an event stored in between is then announced, not missed.
  const stream = await LiveStream.open(sse, deps, (wake) =>
    deps.feed.subscribe(taskId, (seq) => {
      if (seq <= lastSent) return;
      dirty = true;
      wake();
    }),
  );
  try {
    await sse.writeSSE({ event: 'connected', data: JSON.stringify({ taskId, after: afterSeq }) });
    const { endSeq, reopenedSeq } = await deps.events.runEnd(taskId);
    // A client resuming after the task's end has seen everything the stream will ever send.
    if (endSeq !== undefined && endSeq <= lastSent) return;
    while (!stream.finished) {
      if (!dirty) {
        await stream.sleep();
        continue;
      }
      dirty = false;
      const batch = await deps.events.listAfter(taskId, lastSent, PAGE);
      if (batch.length === PAGE) dirty = true;
      for (const event of batch) {
        if (stream.finished) break;
        await sse.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event) });
        lastSent = event.seq;
        // The end of an earlier run (a follow-up came after it) is passed; the task's end ends the stream.
        if (terminalEventTypes.has(event.type) && event.seq > reopenedSeq) return;
      }
    }
    await stream.whyEnded();
  } finally {
    stream.close();
  }
}
