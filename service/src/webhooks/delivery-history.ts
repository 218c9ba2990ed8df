import type { Db } from '../db/db.ts';
import type { EventType } from '../events/event-types.ts';

export interface DeliveryView {
  id: string;
  taskId: string;
  seq: number;
  eventType: EventType;
  endpoint: { kind: 'callback' | 'subscription'; id: string };
  url: string;
  status: 'pending' | 'delivered' | 'failed' | 'disabled';
  attemptCount: number;
  /** When the next attempt is due; null once the delivery ended. */
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  attempts: AttemptView[];
}

export interface AttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
}

interface Row {
  id: string;
  task_id: string;
  seq: number;
  event_type: EventType;
  callback_id: string | null;
  subscription_id: string | null;
  url: string;
  status: DeliveryView['status'];
  attempt_count: number;
  next_attempt_at: Date;
  created_at: Date;
  updated_at: Date;
  attempts: Array<{ attempt: number; started_at: string; duration_ms: number; response_status: number | null; error: string | null }>;
}

/** Every delivery of a task's events with each of its attempts, for `GET /tasks/{id}/deliveries`. */
export async function listTaskDeliveries(db: Db, taskId: string): Promise<DeliveryView[]> {
  const rows = await db.query<Row>(
    `SELECT d.id, d.task_id, d.seq, d.event_type, d.callback_id, d.subscription_id, d.url, d.status, d.attempt_count,
            d.next_attempt_at, d.created_at, d.updated_at,
            COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt, 'started_at', a.started_at, 'duration_ms', a.duration_ms,
                                                         'response_status', a.response_status, 'error', a.error) ORDER BY a.attempt)
                        FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]'::json) AS attempts
       FROM webhook_deliveries d
      WHERE d.task_id = $1
      ORDER BY d.seq, d.created_at, d.id`,
    [taskId],
  );
  return rows.map((row) => ({
    id: row.id,
    taskId: row.task_id,
    seq: row.seq,
    eventType: row.event_type,
    endpoint: row.callback_id ? { kind: 'callback', id: row.callback_id } : { kind: 'subscription', id: row.subscription_id! },
    url: row.url,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    attempts: row.attempts.map((attempt) => ({
      attempt: attempt.attempt,
      startedAt: new Date(attempt.started_at).toISOString(),
      durationMs: attempt.duration_ms,
      responseStatus: attempt.response_status,
      error: attempt.error,
    })),
  }));
}
