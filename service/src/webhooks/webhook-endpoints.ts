import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/db.ts';
import { TaskNotFoundError } from '../tasks/task-errors.ts';
import type { EventType } from '../events/event-types.ts';
import { backfillCallback } from './fan-out.ts';
import { checkWebhookUrl } from './webhook-url.ts';
import { generateWebhookSecret, secretKey } from './webhook-secret.ts';

export interface EndpointSpec {
  url: string;
  /** Event types to deliver; empty = all. */
  events: readonly EventType[];
  secret?: string | undefined;
}

export interface CallbackRecord {
  id: string;
  taskId: string;
  url: string;
  events: EventType[];
  hasOwnSecret: boolean;
  status: 'active' | 'disabled';
  createdAt: string;
}

export interface SubscriptionRecord {
  id: string;
  url: string;
  events: EventType[];
  description: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
}

interface CallbackRow {
  id: string;
  task_id: string;
  url: string;
  events: EventType[];
  secret: string | null;
  disabled_at: Date | null;
  created_at: Date;
}

interface SubscriptionRow {
  id: string;
  url: string;
  events: EventType[];
  description: string | null;
  disabled_at: Date | null;
  created_at: Date;
}

/**
 * Where webhooks go: per-task callbacks and global subscriptions. URLs are checked against
 * KAGE_WEBHOOK_ALLOWED_HOSTS here, so every way of registering one obeys it.
 */
export class WebhookEndpoints {
  private readonly db: Db;
  private readonly allowedHosts: readonly string[];

  constructor(db: Db, allowedHosts: readonly string[]) {
    this.db = db;
    this.allowedHosts = allowedHosts;
  }

  /** Throws WebhookUrlError or InvalidWebhookSecretError; call before opening a transaction. */
  validate(spec: EndpointSpec): void {
    checkWebhookUrl(spec.url, this.allowedHosts);
    if (spec.secret !== undefined) secretKey(spec.secret);
  }

  /**
   * Registers a callback on an existing task and, in the same transaction, creates deliveries
   * for the matching events it already emitted. The task row lock (also taken by every event
   * append) makes "already emitted" and "emitted later" cover every event exactly once.
   */
  async registerCallback(taskId: string, spec: EndpointSpec): Promise<{ callback: CallbackRecord; backfilled: number }> {
    this.validate(spec);
    return this.db.transaction(async (tx) => {
      const [task] = await tx.query('SELECT id FROM tasks WHERE id = $1 FOR UPDATE', [taskId]);
      if (!task) throw new TaskNotFoundError(taskId);
      const callback = await this.insertCallback(tx, taskId, spec);
      return { callback, backfilled: await backfillCallback(tx, callback.id) };
    });
  }

  /** For task submission: stores a callback in the transaction creating the task (before its first event). */
  async insertCallback(tx: Queryable, taskId: string, spec: EndpointSpec): Promise<CallbackRecord> {
    this.validate(spec);
    const [row] = await tx.query<CallbackRow>(
      `INSERT INTO task_callbacks (id, task_id, url, events, secret) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, task_id, url, events, secret, disabled_at, created_at`,
      [randomUUID(), taskId, spec.url, [...spec.events], spec.secret ?? null],
    );
    return toCallback(row!);
  }

  async listCallbacks(taskId: string): Promise<CallbackRecord[]> {
    const rows = await this.db.query<CallbackRow>(
      'SELECT id, task_id, url, events, secret, disabled_at, created_at FROM task_callbacks WHERE task_id = $1 ORDER BY created_at, id',
      [taskId],
    );
    return rows.map(toCallback);
  }

  /** Creates a subscription; its secret (given or generated) is returned here and never again. */
  async createSubscription(spec: EndpointSpec & { description?: string | undefined }): Promise<{ subscription: SubscriptionRecord; secret: string }> {
    this.validate(spec);
    const secret = spec.secret ?? generateWebhookSecret();
    const [row] = await this.db.query<SubscriptionRow>(
      `INSERT INTO subscriptions (id, url, events, secret, description) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, url, events, description, disabled_at, created_at`,
      [randomUUID(), spec.url, [...spec.events], secret, spec.description ?? null],
    );
    return { subscription: toSubscription(row!), secret };
  }

  async listSubscriptions(): Promise<SubscriptionRecord[]> {
    const rows = await this.db.query<SubscriptionRow>(
      'SELECT id, url, events, description, disabled_at, created_at FROM subscriptions ORDER BY created_at, id',
    );
    return rows.map(toSubscription);
  }

  async getSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const [row] = await this.db.query<SubscriptionRow>(
      'SELECT id, url, events, description, disabled_at, created_at FROM subscriptions WHERE id = $1',
      [id],
    );
    return row && toSubscription(row);
  }

  /** Deletes a subscription and (by cascade) its deliveries; false when it did not exist. */
  async deleteSubscription(id: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM subscriptions WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }
}

function toCallback(row: CallbackRow): CallbackRecord {
  return {
    id: row.id,
    taskId: row.task_id,
    url: row.url,
    events: row.events,
    hasOwnSecret: row.secret !== null,
    status: row.disabled_at ? 'disabled' : 'active',
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function toSubscription(row: SubscriptionRow): SubscriptionRecord {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    status: row.disabled_at ? 'disabled' : 'active',
    createdAt: new Date(row.created_at).toISOString(),
  };
}
