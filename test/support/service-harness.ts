/**
 * Starts a real service instance for tests: real database (either driver), real queue and
 * workers, and optionally a real HTTP listener. Tests use `request()` (through app.request, no
 * socket) or `url` (real HTTP).
 */
import { rm } from 'node:fs/promises';
import { serve, type ServerType } from '@hono/node-server';
import { loadConfig } from '../../service/src/config.ts';
import type { Db } from '../../service/src/db/db.ts';
import { createLogger } from '../../service/src/logger.ts';
import { createServices, type Services } from '../../service/src/services.ts';
import { type DriverKind, openTestDb } from './databases.ts';
import { makeTempDir } from './git-repo.ts';
import { testReadPaths } from './service-process.ts';
import { type KeyedInit, withApiKey } from './keyed-request.ts';

export const TEST_API_KEY = 'test-key-0123456789';

/** A Response whose JSON tests may read without casting at every step. */
export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface TestService {
  services: Services;
  dataDir: string;
  /** Base URL when started with `listen: true`. */
  url: string;
  request(path: string, init?: KeyedInit): Promise<TestResponse>;
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  kind: DriverKind;
  /** Reuse a database (a second instance, or a restart). */
  db?: Db;
  dataDir?: string;
  env?: Record<string, string>;
  listen?: boolean;
  workers?: number;
}

export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const dataDir = options.dataDir ?? (await makeTempDir('kage-data-'));
  const config = loadConfig({
    KAGE_DATA_DIR: dataDir,
    API_KEYS: TEST_API_KEY,
    KAGE_WORKER_CONCURRENCY: String(options.workers ?? 2),
    LOG_LEVEL: process.env.KAGE_TEST_LOG_LEVEL ?? 'silent',
    // The fake agents' scripts, outside any system folder, are what the sandbox must let them read.
    KAGE_SANDBOX_READ_PATHS: testReadPaths,
    PORT: '0',
    // Tests make many requests at once; a test of the limit sets its own.
    KAGE_RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  });
  const db = options.db ?? (await openTestDb(options.kind));
  const services = await createServices(config, createLogger(config.logLevel), { db });
  await services.start();
  let server: ServerType | undefined;
  let url = '';
  if (options.listen) {
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: services.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    });
    url = `http://127.0.0.1:${port}`;
  }
  return {
    services,
    dataDir,
    url,
    request: (path, init = {}) => Promise.resolve(services.app.request(path, withApiKey(TEST_API_KEY, init))),
    async stop() {
      if (server) {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise((resolve) => server!.close(resolve));
      }
      await services.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls GET /tasks/:id until the task reaches an end state. */
/** Polls the task until it has ended; for an in-process TestService or a ServiceProcess alike. */
export async function waitForTaskEnd(service: { request(path: string): Promise<{ json(): Promise<unknown> }> }, taskId: string, timeoutMs = 60_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (await (await service.request(`/api/v1/tasks/${taskId}`)).json()) as Record<string, any>;
    if (['completed', 'failed', 'cancelled'].includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
