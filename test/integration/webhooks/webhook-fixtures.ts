/**
 * Shared pieces of the webhook and event tests: tasks inserted straight into the database, a
 * real HTTP receiver that records what it gets and answers as scripted, and a wait helper.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../../service/src/db/db.ts';
import { runMigrations } from '../../../service/src/db/migrations.ts';
import { PgliteDriver } from '../../../service/src/db/pglite-driver.ts';
import { PostgresDriver } from '../../../service/src/db/postgres-driver.ts';
import { createLogger } from '../../../service/src/logger.ts';
import { createPostgresDatabase, type DriverKind } from '../../support/databases.ts';

export const silentLogger = createLogger('silent');

export async function insertTask(db: Db, status = 'running'): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO tasks (id, description, status, repository_path, base_ref, base_commit, config, api_key_id)
     VALUES ($1, 'test task', $2, '/tmp/repo', 'HEAD', 'abc123', '{}', 'test-key')`,
    [id, status],
  );
  return id;
}

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> & { taskId: string; seq: number } };
}

/** `hang`: never answer (the connection stays open until the receiver closes). */
export type Reply = { status: number; headers?: Record<string, string>; hang?: boolean };

/** An HTTP server on 127.0.0.1 recording every request; `reply` decides each answer. */
export class Receiver {
  readonly received: ReceivedRequest[] = [];
  reply: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 200 });
  private readonly server: Server;
  port = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const request = { path: req.url ?? '', headers: req.headers as Record<string, string>, body, json: JSON.parse(body) as ReceivedRequest['json'] };
        this.received.push(request);
        const answer = this.reply(request, this.received.length - 1);
        if (!answer.hang) res.writeHead(answer.status, answer.headers).end();
      });
    });
  }

  static async start(port = 0): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    const address = receiver.server.address();
    receiver.port = typeof address === 'object' && address ? address.port : 0;
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `check` until it returns a value other than undefined/false; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A database that can be closed and opened again with its data kept (a service restart). */
export interface ReopenableDb {
  open(): Promise<Db>;
  dispose(): void;
}

export async function reopenableDb(kind: DriverKind): Promise<ReopenableDb> {
  if (kind === 'postgres') {
    const url = await createPostgresDatabase();
    return {
      open: async () => {
        const db = new PostgresDriver(url);
        await runMigrations(db);
        return db;
      },
      dispose: () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kage-pglite-'));
  return {
    open: async () => {
      const db = await PgliteDriver.open(join(dir, 'data'));
      await runMigrations(db);
      return db;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function deliveryRows(db: Db, taskId: string) {
  return db.query<{ id: string; seq: number; status: string; attempt_count: number; callback_id: string | null; subscription_id: string | null }>(
    'SELECT id, seq, status, attempt_count, callback_id, subscription_id FROM webhook_deliveries WHERE task_id = $1 ORDER BY seq, created_at',
    [taskId],
  );
}
