import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/db.ts';
import { NotFoundError } from '../refusal.ts';
import type { EventType } from '../events/event-types.ts';
import { backfillCallback } from './fan-out.ts';
import type { PrivateTargets } from './webhook-address.ts';
import { checkWebhookUrl } from './webhook-url.ts';
import { generateWebhookSecret, secretKey } from './webhook-secret.ts';

export interface EndpointSpec {
  url: string;
  /** Event types to deliver; empty = all. */
  events: readonly EventType[];
  secret?: string | undefined;
}

export interface CallbackSpec extends EndpointSpec {
  /** Who waits on it (an n8n node's name); delivered back as `data.callback.name`. */
  name?: string | undefined;
  /** ISO time after which nothing more is delivered. */
  expiresAt?: string | undefined;
}

export interface SubscriptionSpec extends EndpointSpec {
  description?: string | undefined;
  filter?: { repositoryPath?: string | undefined; ownTasksOnly?: boolean | undefined } | undefined;
}

export interface CallbackRecord {
  id: string;
  taskId: string;
  url: string;
  events: EventType[];
  hasOwnSecret: boolean;
  name: string | null;
  expiresAt: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
}

export interface SubscriptionRecord {
  id: string;
  url: string;
  events: EventType[];
  description: string | null;
  filter: { repositoryPath: string | null; ownTasksOnly: boolean };
  status: 'active' | 'disabled';
  createdAt: string;
}

interface CallbackRow {
  id: string;
  task_id: string;
  url: string;
  events: EventType[];
  secret: string | null;
  name: string | null;
  expires_at: Date | null;
  disabled_at: Date | null;
  created_at: Date;
}

interface SubscriptionRow {
  id: string;
  url: string;
  events: EventType[];
  description: string | null;
  repository_path: string | null;
  api_key_id: string | null;
  disabled_at: Date | null;
  created_at: Date;
}

const callbackColumns = 'id, task_id, url, events, secret, name, expires_at, disabled_at, created_at';
const subscriptionColumns = 'id, url, events, description, repository_path, api_key_id, disabled_at, created_at';

/**
 * Where webhooks go: per-task callbacks and global subscriptions. URLs are checked against
 * KAGE_WEBHOOK_ALLOWED_HOSTS here, so every way of registering one obeys it.
 */
export class WebhookTargets {
  private readonly db: Db;
  private readonly allowedHosts: readonly string[];
  private readonly privateTargets: PrivateTargets;

  constructor(db: Db, allowedHosts: readonly string[], privateTargets: PrivateTargets = 'allow') {
    this.db = db;
    this.allowedHosts = allowedHosts;
    this.privateTargets = privateTargets;
  }

  /** Throws WebhookUrlError or InvalidWebhookSecretError; call before opening a transaction. */
  validate(spec: EndpointSpec): void {
    checkWebhookUrl(spec.url, this.allowedHosts, this.privateTargets);
    if (spec.secret !== undefined) secretKey(spec.secret);
  }

  /**
   * Registers a callback on an existing task and, in the same transaction, creates deliveries
   * for the matching events it already emitted. The task row lock (also taken by every event
   * append) makes "already emitted" and "emitted later" cover every event exactly once.
   */
  async registerCallback(taskId: string, spec: CallbackSpec): Promise<{ callback: CallbackRecord; backfilled: number }> {
    this.validate(spec);
    return this.db.transaction(async (tx) => {
      const [task] = await tx.query('SELECT id FROM tasks WHERE id = $1 FOR UPDATE', [taskId]);
      if (!task) throw new NotFoundError('Task', taskId);
      const callback = await this.insertCallback(tx, taskId, spec);
      return { callback, backfilled: await backfillCallback(tx, callback.id) };
    });
  }

  /** For task submission: stores a callback in the transaction creating the task (before its first event). */
  async insertCallback(tx: Queryable, taskId: string, spec: CallbackSpec): Promise<CallbackRecord> {
    this.validate(spec);
    const [row] = await tx.query<CallbackRow>(
      `INSERT INTO task_callbacks (id, task_id, url, events, secret, name, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING ${callbackColumns}`,
      [randomUUID(), taskId, spec.url, [...spec.events], spec.secret ?? null, spec.name ?? null, spec.expiresAt ?? null],
    );
    return toCallback(row!);
  }

  async listCallbacks(taskId: string): Promise<CallbackRecord[]> {
    const rows = await this.db.query<CallbackRow>(
      `SELECT ${callbackColumns} FROM task_callbacks WHERE task_id = $1 ORDER BY created_at, id`,
      [taskId],
    );
    return rows.map(toCallback);
  }

  /**
   * Ends a callback: nothing more is delivered to it, pending deliveries included (its wait is
   * over). False when the task has no such callback.
   */
  async endCallback(taskId: string, callbackId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        'UPDATE task_callbacks SET disabled_at = COALESCE(disabled_at, now()) WHERE id = $1 AND task_id = $2 RETURNING id',
        [callbackId, taskId],
      );
      if (rows.length === 0) return false;
      await tx.query(
        `UPDATE webhook_deliveries SET status = 'disabled', updated_at = now() WHERE callback_id = $1 AND status = 'pending'`,
        [callbackId],
      );
      return true;
    });
  }

  /**
   * Creates a subscription; its secret (given or generated) is returned here and never again.
   * `ownTasksOnly` ties it to the creating key (`apiKeyId`).
   */
  async createSubscription(spec: SubscriptionSpec, apiKeyId: string): Promise<{ subscription: SubscriptionRecord; secret: string }> {
    this.validate(spec);
    const secret = spec.secret ?? generateWebhookSecret();
    const [row] = await this.db.query<SubscriptionRow>(
      `INSERT INTO subscriptions (id, url, events, secret, description, repository_path, api_key_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING ${subscriptionColumns}`,
      [
        randomUUID(),
        spec.url,
        [...spec.events],
        secret,
        spec.description ?? null,
        spec.filter?.repositoryPath ?? null,
        spec.filter?.ownTasksOnly ? apiKeyId : null,
      ],
    );
    return { subscription: toSubscription(row!), secret };
  }

  /** Every subscription, or (`owner`) only those tied to that key's own tasks. */
  async listSubscriptions(owner?: string): Promise<SubscriptionRecord[]> {
    const rows = await this.db.query<SubscriptionRow>(
      `SELECT ${subscriptionColumns} FROM subscriptions WHERE ($1::text IS NULL OR api_key_id = $1) ORDER BY created_at, id`,
      [owner ?? null],
    );
    return rows.map(toSubscription);
  }

  async getSubscription(id: string, owner?: string): Promise<SubscriptionRecord | undefined> {
    const [row] = await this.db.query<SubscriptionRow>(
      `SELECT ${subscriptionColumns} FROM subscriptions WHERE id = $1 AND ($2::text IS NULL OR api_key_id = $2)`,
      [id, owner ?? null],
    );
    return row && toSubscription(row);
  }

  /** Deletes a subscription and (by cascade) its deliveries; false when it did not exist (for `owner`). */
  async deleteSubscription(id: string, owner?: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM subscriptions WHERE id = $1 AND ($2::text IS NULL OR api_key_id = $2) RETURNING id', [id, owner ?? null]);
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
    name: row.name,
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
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
    filter: { repositoryPath: row.repository_path, ownTasksOnly: row.api_key_id !== null },
    status: row.disabled_at ? 'disabled' : 'active',
    createdAt: new Date(row.created_at).toISOString(),
  };
}
