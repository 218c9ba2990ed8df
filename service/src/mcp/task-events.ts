/**
 * A task's events until it ends, for wait_for_task and `kage watch`: the progress stream, then,
 * when the stream ended while the task still runs (a follow-up round: the stream ends at the
 * first round's end), the event pages polled until the next end.
 */
import type { KageApi } from './kage-api.ts';
import { isFinishedTask } from '../model/statuses.ts';

export interface TaskEvent {
  seq: number;
  type: string;
  agentLabel: string | null;
  data: Record<string, unknown>;
}

const endings = new Set(['task.completed', 'task.failed', 'task.cancelled']);
const pollMs = 500;

/** Events after `after` until the task ends or `signal` aborts (then the iteration just stops). */
export async function* taskEvents(api: KageApi, id: string, signal: AbortSignal, after = 0): AsyncGenerator<TaskEvent> {
  const path = `/tasks/${encodeURIComponent(id)}`;
  let last = after;
  for await (const message of api.events(`${path}/progress?after=${after}`, signal)) {
    if (message.event === 'connected') continue;
    const event = JSON.parse(message.data) as TaskEvent;
    last = event.seq;
    yield event;
  }
  if (signal.aborted) return;
  const task = (await api.call('GET', path, undefined, signal)) as { status: string };
  if (isFinishedTask(task.status)) return;
  while (!signal.aborted) {
    const page = (await api.call('GET', `${path}/events?after=${last}&limit=1000`, undefined, signal).catch((error: unknown) => {
      if (signal.aborted) return { items: [], nextAfter: last };
      throw error;
    })) as { items: TaskEvent[]; nextAfter: number };
    for (const event of page.items) {
      last = event.seq;
      yield event;
      if (endings.has(event.type)) return;
    }
    if (page.items.length === 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
