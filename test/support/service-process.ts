/**
 * The service as a real child process (`node service/src/main.ts`), for tests that kill it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { TEST_API_KEY } from './service-harness.ts';

const mainPath = fileURLToPath(new URL('../../service/src/main.ts', import.meta.url));

export interface ServiceProcess {
  url: string;
  process: ChildProcess;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [mainPath], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), API_KEYS: TEST_API_KEY, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) throw new Error(`service did not become healthy:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    process: child,
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('x-api-key', TEST_API_KEY);
      let body = init.body;
      if (init.json !== undefined) {
        body = JSON.stringify(init.json);
        headers.set('content-type', 'application/json');
      }
      return fetch(`${url}${path}`, { ...init, headers, body });
    },
    kill(signal) {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
