/**
 * The service as its own process (`node service/src/main.ts`), so its memory can be read apart
 * from the benchmark's: `/proc/<pid>/status` gives the current RSS and the peak (VmHWM).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/free-port.ts';
import { BENCH_API_KEY } from './service.ts';

const mainPath = fileURLToPath(new URL('../../service/src/main.ts', import.meta.url));

export interface ServiceProcess {
  url: string;
  process: ChildProcess;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Current and peak resident memory of the service process, in bytes. */
  memory(): Promise<{ rss: number; peakRss: number }>;
  stop(): Promise<void>;
}

export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [mainPath], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), API_KEYS: BENCH_API_KEY, LOG_LEVEL: 'warn', KAGE_RATE_LIMIT_PER_MINUTE: '100000000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-8000)));
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-8000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`service did not become healthy:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    process: child,
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('x-api-key', BENCH_API_KEY);
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers.set('content-type', 'application/json');
      }
      return fetch(`${url}${path}`, { ...init, headers, body });
    },
    async memory() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 'NaN') * 1024;
      return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
