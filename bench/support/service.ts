/**
 * The whole service in the benchmark's own process: real database (either driver), queue,
 * workers, webhooks, and a real HTTP listener on a free port.
 */
import { fileURLToPath } from 'node:url';
import { rm } from 'node:fs/promises';
import { serve, type ServerType } from '@hono/node-server';
import { loadConfig } from '../../service/src/config.ts';
import type { Db } from '../../service/src/db/db.ts';
import { runMigrations } from '../../service/src/db/migrations.ts';
import { PgliteDriver } from '../../service/src/db/pglite-driver.ts';
import { PostgresDriver } from '../../service/src/db/postgres-driver.ts';
import { createLogger } from '../../service/src/logger.ts';
import { createServices, type Services } from '../../service/src/services.ts';
import { makeTempDir } from '../../test/support/git-repo.ts';
import { type KeyedRequest, keyedRequest } from '../../test/support/keyed-request.ts';
import type { BenchPostgres } from './postgres.ts';

export const BENCH_API_KEY = 'bench-key-0123456789';

export type DriverKind = 'postgres' | 'pglite';

export interface BenchService {
  services: Services;
  url: string;
  request: KeyedRequest;
  stop(): Promise<void>;
}

export async function openBenchDb(kind: DriverKind, postgres: BenchPostgres): Promise<Db> {
  const db = kind === 'postgres' ? new PostgresDriver(await postgres.createDatabase()) : await PgliteDriver.open(undefined);
  await runMigrations(db);
  return db;
}

export async function startBenchService(options: { db: Db; workers: number; env?: Record<string, string> }): Promise<BenchService> {
  const dataDir = await makeTempDir('kage-bench-data-');
  const config = loadConfig({
    KAGE_DATA_DIR: dataDir,
    API_KEYS: BENCH_API_KEY,
    KAGE_WORKER_CONCURRENCY: String(options.workers),
    // The API benchmark sends far more than a person would; the limiter is not what it measures.
    KAGE_RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    PORT: '0',
    // The benchmark agents' scripts: readable in the sandbox, as tools outside the system folders are.
    KAGE_SANDBOX_READ_PATHS: fileURLToPath(new URL('../fixtures/', import.meta.url)),
    ...options.env,
  });
  const services = await createServices(config, createLogger(config.logLevel), { db: options.db });
  await services.start();
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: services.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    services,
    url,
    request: keyedRequest(url, BENCH_API_KEY),
    async stop() {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise((resolve) => server!.close(resolve));
      await services.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Submits a task and returns its id; throws with the response body when refused. */
export async function submitTask(service: Pick<BenchService, 'request'>, body: Record<string, unknown>): Promise<string> {
  const response = await service.request('/api/v1/tasks', { method: 'POST', json: body });
  const json = (await response.json()) as { id?: string };
  if (response.status !== 201 && response.status !== 202) throw new Error(`POST /tasks answered ${response.status}: ${JSON.stringify(json)}`);
  return json.id!;
}

/** Polls GET /tasks/:id until the task ends; returns the task. */
export async function waitForTaskEnd(service: Pick<BenchService, 'request'>, taskId: string, timeoutMs = 300_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (await (await service.request(`/api/v1/tasks/${taskId}`)).json()) as Record<string, unknown>;
    if (['completed', 'failed', 'cancelled'].includes(task.status as string)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${String(task.status)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
