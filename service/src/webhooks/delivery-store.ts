import type { Db } from '../db/db.ts';
import type { EventType } from '../events/event-types.ts';

/** A delivery claimed for one attempt, with what the attempt needs to build and sign the request. */
export interface ClaimedDelivery {
  id: string;
  taskId: string;
  seq: number;
  type: EventType;
  url: string;
  /** The number of this attempt (1 = first). */
  attempt: number;
  callbackId: string | null;
  /** The callback's waiter, sent back in the body; null for subscriptions or unnamed callbacks. */
  callbackName: string | null;
  /** After this the callback's wait is over: the delivery is dropped unsent. */
  callbackExpiresAt: Date | null;
  subscriptionId: string | null;
  /** The endpoint's own secret; null = sign with the service-wide secret. */
  secret: string | null;
  agentLabel: string | null;
  eventData: Record<string, unknown>;
  eventTimestamp: string;
  task: TaskSummary;
  /** The span that recorded the event (tracing on): the delivery is traced as its child. */
  traceparent: string | null;
}

/** The task as terminal events carry it: the field names of `GET /tasks/{id}`, without the attempts. */
export interface TaskSummary {
  id: string;
  description: string;
  status: string;
  repository: { path: string; baseRef: string; baseCommit: string };
  winner: string | null;
  /** Whether the winner passed the verify command; null without a winner or a verify command. */
  winnerPassedVerify: boolean | null;
  totalCostUsd: number;
  error: string | null;
  result: unknown;
  completedAt: string | null;
}

export interface DeliveryTry {
  startedAt: Date;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
}

/** What to do with a delivery after an attempt. */
export type DeliveryTryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; delaySeconds: number }
  | { kind: 'failed' }
  | { kind: 'endpoint_gone' };

interface ClaimedRow {
  id: string;
  task_id: string;
  seq: number;
  event_type: EventType;
  url: string;
  attempt_count: number;
  callback_id: string | null;
  callback_name: string | null;
  callback_expires_at: Date | null;
  subscription_id: string | null;
  secret: string | null;
  agent_label: string | null;
  data: Record<string, unknown>;
  event_created_at: Date;
  task_status: string;
  task_description: string;
  repository_path: string;
  base_ref: string;
  base_commit: string;
  winner_label: string | null;
  winner_passed_verify: boolean | null;
  total_cost_usd: number;
  task_error: string | null;
  result: unknown;
  completed_at: Date | null;
  traceparent: string | null;
}

// A pending delivery is "at the head" of its endpoint's queue when no earlier event of the same
// task is still pending for the same endpoint: deliveries to one endpoint go out in seq order.
const IS_HEAD = `NOT EXISTS (
    SELECT 1 FROM webhook_deliveries p
     WHERE p.status = 'pending' AND p.task_id = d.task_id AND p.seq < d.seq
       AND (p.callback_id = d.callback_id OR p.subscription_id = d.subscription_id))`;

/** The webhook_deliveries table used as a queue: the rows are the queue, so it survives restarts. */
export class DeliveryStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Claims up to `limit` due deliveries that are at the head of their endpoint's queue. A claim
   * is a lease: the attempt count goes up and the row is due again only after `leaseSeconds`,
   * so an instance that dies mid-attempt leaves it to be retried, and no transaction stays open
   * across the HTTP call (PGlite has a single connection). SKIP LOCKED keeps instances apart.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
    return this.db.transaction(async (tx) => {
      const claimed = await tx.query<{ id: string }>(
        `WITH due AS (
           SELECT d.id FROM webhook_deliveries d
            WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND ${IS_HEAD}
            ORDER BY d.next_attempt_at, d.seq
            LIMIT $1
            FOR UPDATE SKIP LOCKED)
         UPDATE webhook_deliveries w
            SET attempt_count = w.attempt_count + 1, next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
           FROM due WHERE w.id = due.id
         RETURNING w.id`,
        [limit, leaseSeconds],
      );
      if (claimed.length === 0) return [];
      const rows = await tx.query<ClaimedRow>(
        `SELECT d.id, d.task_id, d.seq, d.event_type, d.url, d.attempt_count, d.callback_id, d.subscription_id, d.traceparent,
                c.name AS callback_name, c.expires_at AS callback_expires_at,
                COALESCE(c.secret, s.secret) AS secret, e.agent_label, e.data, e.created_at AS event_created_at,
                t.status AS task_status, t.description AS task_description, t.repository_path, t.base_ref, t.base_commit,
                t.winner_label, t.total_cost_usd, t.error AS task_error, t.result, t.completed_at,
                (SELECT (r.verify->>'passed')::boolean FROM agent_runs r
                  WHERE r.task_id = t.id AND r.label = t.winner_label) AS winner_passed_verify
           FROM webhook_deliveries d
           JOIN progress_events e ON e.task_id = d.task_id AND e.seq = d.seq
           JOIN tasks t ON t.id = d.task_id
           LEFT JOIN task_callbacks c ON c.id = d.callback_id
           LEFT JOIN subscriptions s ON s.id = d.subscription_id
          WHERE d.id = ANY($1::uuid[])
          ORDER BY d.seq`,
        [claimed.map((row) => row.id)],
      );
      return rows.map(toClaimed);
    });
  }

  /**
   * Stores the attempt and applies the verdict, unless the lease was lost meanwhile (another
   * instance claimed the delivery after the lease ran out): then only the attempt is kept.
   */
  async recordTry(delivery: ClaimedDelivery, attempt: DeliveryTry, verdict: DeliveryTryOutcome): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, response_status, error)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [delivery.id, delivery.attempt, attempt.startedAt, attempt.durationMs, attempt.responseStatus, attempt.error],
      );
      const owned = `id = $1 AND status = 'pending' AND attempt_count = $2`;
      const key = [delivery.id, delivery.attempt];
      switch (verdict.kind) {
        case 'delivered':
          await tx.query(`UPDATE webhook_deliveries SET status = 'delivered', updated_at = now() WHERE ${owned}`, key);
          return;
        case 'failed':
          await tx.query(`UPDATE webhook_deliveries SET status = 'failed', updated_at = now() WHERE ${owned}`, key);
          return;
        case 'retry':
          await tx.query(
            `UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $3), updated_at = now() WHERE ${owned}`,
            [...key, verdict.delaySeconds],
          );
          return;
        case 'endpoint_gone':
          await disableEndpoint(tx, delivery);
      }
    });
  }

  /** Drops a claimed delivery unsent: its callback's wait is over. */
  async drop(delivery: ClaimedDelivery): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'disabled', updated_at = now() WHERE id = $1 AND status = 'pending' AND attempt_count = $2`,
      [delivery.id, delivery.attempt],
    );
  }

  /** Gives a claim back untried (shutdown interrupted the attempt): due at once, attempt not counted. */
  async release(delivery: ClaimedDelivery): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET attempt_count = attempt_count - 1, next_attempt_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'pending' AND attempt_count = $2`,
      [delivery.id, delivery.attempt],
    );
  }

  /** Seconds until the next head delivery is due (0 = now), or undefined when none is pending. */
  async secondsUntilNextDue(): Promise<number | undefined> {
    const [row] = await this.db.query<{ wait: number | string | null }>(
      `SELECT EXTRACT(EPOCH FROM (min(d.next_attempt_at) - now())) AS wait
         FROM webhook_deliveries d WHERE d.status = 'pending' AND ${IS_HEAD}`,
    );
    if (row?.wait === null || row?.wait === undefined) return undefined;
    return Math.max(0, Number(row.wait));
  }
}

async function disableEndpoint(tx: { query: Db['query'] }, delivery: ClaimedDelivery): Promise<void> {
  if (delivery.callbackId) {
    await tx.query('UPDATE task_callbacks SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL', [delivery.callbackId]);
    await tx.query(
      `UPDATE webhook_deliveries SET status = 'disabled', updated_at = now() WHERE callback_id = $1 AND status = 'pending'`,
      [delivery.callbackId],
    );
  } else {
    await tx.query('UPDATE subscriptions SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL', [delivery.subscriptionId]);
    await tx.query(
      `UPDATE webhook_deliveries SET status = 'disabled', updated_at = now() WHERE subscription_id = $1 AND status = 'pending'`,
      [delivery.subscriptionId],
    );
  }
}

function toClaimed(row: ClaimedRow): ClaimedDelivery {
  return {
    id: row.id,
    taskId: row.task_id,
    seq: row.seq,
    type: row.event_type,
    url: row.url,
    attempt: row.attempt_count,
    callbackId: row.callback_id,
    callbackName: row.callback_name,
    callbackExpiresAt: row.callback_expires_at ? new Date(row.callback_expires_at) : null,
    subscriptionId: row.subscription_id,
    secret: row.secret,
    agentLabel: row.agent_label,
    eventData: row.data,
    eventTimestamp: new Date(row.event_created_at).toISOString(),
    task: {
      id: row.task_id,
      description: row.task_description,
      status: row.task_status,
      repository: { path: row.repository_path, baseRef: row.base_ref, baseCommit: row.base_commit },
      winner: row.winner_label,
      winnerPassedVerify: row.winner_passed_verify,
      totalCostUsd: Number(row.total_cost_usd),
      error: row.task_error,
      result: row.result,
      completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    },
    traceparent: row.traceparent,
  };
}
