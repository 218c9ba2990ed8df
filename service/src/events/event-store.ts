import type { Db, Queryable } from '../db/db.ts';
import { type EventType, reopeningEventType, type TaskEvent, terminalEventTypes } from './event-types.ts';

/**
 * NOTIFY channel carrying `{"taskId":…,"seq":…}` for every stored event (ids only: payloads are
 * capped at 8000 bytes). SSE streams wake on it.
 */
export const EVENTS_CHANNEL = 'kage_events';

export interface NewEvent {
  type: EventType;
  agentLabel?: string | null;
  data?: Record<string, unknown>;
}

/**
 * Runs inside the transaction that stores events, before it commits: the composition root
 * hands in the webhook fan-out, so no committed event can miss its deliveries.
 */
export type EventsStoredHook = (tx: Queryable, taskId: string, seqs: readonly number[]) => Promise<unknown>;

/** Stores events inside the transaction of `EventStore.transaction`. */
export type EventRecorder = (events: readonly NewEvent[]) => Promise<TaskEvent[]>;

interface EventRow {
  task_id: string;
  seq: number;
  type: EventType;
  agent_label: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

/**
 * Append-only store of task events. `seq` is gapless per task: it comes from the task row's
 * counter, bumped in the same transaction as the insert, so concurrent writers queue on the
 * task row instead of leaving holes. The same transaction runs the `onStored` hook (the
 * webhook fan-out in the running service).
 */
export class EventStore {
  private readonly db: Db;
  private readonly onStored: EventsStoredHook | undefined;

  constructor(db: Db, options: { onStored?: EventsStoredHook } = {}) {
    this.db = db;
    this.onStored = options.onStored;
  }

  async append(taskId: string, event: NewEvent): Promise<TaskEvent> {
    const [stored] = await this.appendMany(taskId, [event]);
    return stored!;
  }

  /** Appends several events of one task in one transaction (consecutive seqs), then notifies. */
  appendMany(taskId: string, events: readonly NewEvent[]): Promise<TaskEvent[]> {
    return this.transaction(taskId, (_tx, record) => record(events));
  }

  /**
   * Runs `work` in one transaction: a state change and the events `record` stores for it commit
   * together. Listeners are notified once it has committed, never before: woken earlier, they
   * would not see the rows yet.
   */
  async transaction<T>(taskId: string, work: (tx: Queryable, record: EventRecorder) => Promise<T>): Promise<T> {
    let lastSeq: number | undefined;
    const result = await this.db.transaction((tx) =>
      work(tx, async (events) => {
        if (events.length === 0) return [];
        const stored = await insertEvents(tx, taskId, events);
        await this.onStored?.(tx, taskId, stored.map((event) => event.seq));
        lastSeq = stored.at(-1)!.seq;
        return stored;
      }),
    );
    if (lastSeq !== undefined) await this.db.notify(EVENTS_CHANNEL, JSON.stringify({ taskId, seq: lastSeq }));
    return result;
  }

  async listAfter(taskId: string, afterSeq: number, limit: number): Promise<TaskEvent[]> {
    const rows = await this.db.query<EventRow>(
      `SELECT task_id, seq, type, agent_label, data, created_at FROM progress_events
        WHERE task_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [taskId, afterSeq, limit],
    );
    return rows.map(toEvent);
  }

  /**
   * Where the task's current run ended: `endSeq`, the seq of its latest terminal event (completed,
   * failed, cancelled), unless a follow-up reopened the task after it (then the task runs: none);
   * `reopenedSeq`, the seq of its latest follow-up (0 without one). A terminal event before a
   * follow-up ended an earlier run, not the task.
   */
  async runEnd(taskId: string): Promise<{ endSeq: number | undefined; reopenedSeq: number }> {
    const [row] = await this.db.query<{ ended: number | null; reopened: number | null }>(
      `SELECT max(seq) FILTER (WHERE type = ANY($2::text[])) AS ended, max(seq) FILTER (WHERE type = $3) AS reopened
         FROM progress_events WHERE task_id = $1`,
      [taskId, [...terminalEventTypes], reopeningEventType],
    );
    const reopenedSeq = row?.reopened ?? 0;
    const ended = row?.ended ?? undefined;
    return { endSeq: ended !== undefined && ended > reopenedSeq ? ended : undefined, reopenedSeq };
  }

  async lastSeq(taskId: string): Promise<number> {
    const [row] = await this.db.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM progress_events WHERE task_id = $1', [taskId]);
    return row?.seq ?? 0;
  }
}

async function insertEvents(tx: Queryable, taskId: string, events: readonly NewEvent[]): Promise<TaskEvent[]> {
  const [counter] = await tx.query<{ first: number }>(
    'UPDATE tasks SET next_event_seq = next_event_seq + $2 WHERE id = $1 RETURNING next_event_seq - $2 AS first',
    [taskId, events.length],
  );
  if (!counter) throw new Error(`Cannot store events: task ${taskId} does not exist`);
  const seqs = events.map((_, index) => counter.first + index);
  const rows = await tx.query<EventRow>(
    `INSERT INTO progress_events (task_id, seq, type, agent_label, data)
     SELECT $1, seq, type, agent_label, data
       FROM unnest($2::int[], $3::text[], $4::text[], $5::jsonb[]) AS e(seq, type, agent_label, data)
     RETURNING task_id, seq, type, agent_label, data, created_at`,
    [
      taskId,
      seqs,
      events.map((event) => event.type),
      events.map((event) => event.agentLabel ?? null) as string[],
      events.map((event) => JSON.stringify(event.data ?? {})),
    ],
  );
  return rows.sort((a, b) => a.seq - b.seq).map(toEvent);
}

export function toEvent(row: EventRow): TaskEvent {
  return {
    taskId: row.task_id,
    seq: row.seq,
    type: row.type,
    agentLabel: row.agent_label,
    timestamp: new Date(row.created_at).toISOString(),
    data: row.data,
  };
}
