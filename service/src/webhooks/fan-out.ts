import type { Queryable } from '../db/db.ts';
import { currentTraceparent } from '../tracing/trace-context.ts';

/** NOTIFY channel that wakes delivery workers (payload: the task id) when deliveries were created. */
export const DELIVERIES_CHANNEL = 'kage_deliveries';

/**
 * Queues the wake-up inside the transaction: PostgreSQL delivers a NOTIFY only when (and if)
 * the transaction commits, so workers never look before the rows are visible.
 */
async function wakeWorkers(tx: Queryable, taskId: string, created: number): Promise<void> {
  if (created > 0) await tx.query('SELECT pg_notify($1, $2)', [DELIVERIES_CHANNEL, taskId]);
}

/**
 * Creates one pending delivery per (stored event, matching enabled endpoint): the task's
 * callbacks and every subscription. Runs in the transaction that stored the events, so an
 * event is never committed without its deliveries. An empty `events` array matches every type.
 * Each keeps the span that recorded the event (tracing on), to be sent as its child.
 * Returns how many deliveries were created.
 */
export async function fanOutEvents(tx: Queryable, taskId: string, seqs: readonly number[]): Promise<number> {
  if (seqs.length === 0) return 0;
  const traceparent = currentTraceparent() ?? null;
  const callbacks = await tx.query(
    `INSERT INTO webhook_deliveries (id, task_id, seq, event_type, callback_id, url, status, traceparent)
     SELECT gen_random_uuid(), e.task_id, e.seq, e.type, c.id, c.url, 'pending', $3::text
       FROM progress_events e
       JOIN task_callbacks c ON c.task_id = e.task_id
      WHERE e.task_id = $1 AND e.seq = ANY($2::int[]) AND c.disabled_at IS NULL
        AND (c.expires_at IS NULL OR c.expires_at > now())
        AND (cardinality(c.events) = 0 OR e.type = ANY(c.events))
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [taskId, [...seqs], traceparent],
  );
  const subscriptions = await tx.query(
    `INSERT INTO webhook_deliveries (id, task_id, seq, event_type, subscription_id, url, status, traceparent)
     SELECT gen_random_uuid(), e.task_id, e.seq, e.type, s.id, s.url, 'pending', $3::text
       FROM progress_events e
       JOIN tasks t ON t.id = e.task_id
       CROSS JOIN subscriptions s
      WHERE e.task_id = $1 AND e.seq = ANY($2::int[]) AND s.disabled_at IS NULL
        AND (cardinality(s.events) = 0 OR e.type = ANY(s.events))
        AND (s.repository_path IS NULL OR s.repository_path = t.repository_path)
        AND (s.api_key_id IS NULL OR s.api_key_id = t.api_key_id)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [taskId, [...seqs], traceparent],
  );
  const created = callbacks.length + subscriptions.length;
  await wakeWorkers(tx, taskId, created);
  return created;
}

/**
 * Creates deliveries of a newly registered callback for the matching events its task already
 * stored, so registering after the fact (or after the end) misses nothing. The caller holds
 * the task row lock, which event appends also take, so no event can slip between.
 */
export async function backfillCallback(tx: Queryable, callbackId: string): Promise<number> {
  const rows = await tx.query<{ id: string; task_id: string }>(
    `INSERT INTO webhook_deliveries (id, task_id, seq, event_type, callback_id, url, status)
     SELECT gen_random_uuid(), e.task_id, e.seq, e.type, c.id, c.url, 'pending'
       FROM task_callbacks c
       JOIN progress_events e ON e.task_id = c.task_id
      WHERE c.id = $1 AND (cardinality(c.events) = 0 OR e.type = ANY(c.events))
        AND (c.expires_at IS NULL OR c.expires_at > now())
     ON CONFLICT DO NOTHING
     RETURNING id, task_id`,
    [callbackId],
  );
  await wakeWorkers(tx, rows[0]?.task_id ?? '', rows.length);
  return rows.length;
}
