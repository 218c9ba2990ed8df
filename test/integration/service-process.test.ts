import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../support/databases.ts';
import { freePort } from '../support/free-port.ts';
import { createTestRepo, makeTempDir } from '../support/git-repo.ts';
import { startServiceProcess } from '../support/service-process.ts';

const mainPath = fileURLToPath(new URL('../../service/src/main.ts', import.meta.url));

/** Runs `node main.ts ...args` to its end; for commands that exit by themselves. */
function runMain(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main ${args.join(' ')} did not exit:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the service as a process', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const tempDataDir = async () => {
    const dir = await makeTempDir('kage-proc-');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };

  it('`migrate` applies the migrations, and a second run finds nothing to do', async () => {
    const env = { DATABASE_URL: await createPostgresDatabase(), LOG_LEVEL: 'info', KAGE_DATA_DIR: await tempDataDir() };
    const first = await runMain(['migrate'], env);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('001_initial_schema.sql');
    const second = await runMain(['migrate'], env);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('database already up to date');
  });

  it('refuses invalid configuration with one line per problem', async () => {
    const result = await runMain([], { PORT: 'eighty', DATABASE_URL: 'mysql://nope', KAGE_WORKER_CONCURRENCY: '-1', KAGE_DATA_DIR: await tempDataDir() });
    expect(result.code).toBe(1);
    const lines = result.output.trim().split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    expect(lines.filter((line) => line.startsWith('  - '))).toHaveLength(3);
    expect(result.output).toMatch(/PORT/);
    expect(result.output).toMatch(/DATABASE_URL: must be a postgres/);

    const prices = await runMain([], { KAGE_PRICE_TABLE: '{"models": {"x": {"input": "free"}}}', KAGE_DATA_DIR: await tempDataDir() });
    expect(prices.code).toBe(1);
    expect(prices.output).toMatch(/^Invalid configuration:\n {2}- KAGE_PRICE_TABLE does not match/);
  });

  it('KAGE_SANDBOX=bwrap without bubblewrap stops start-up with one line saying what to install; auto starts with it off and says why', async () => {
    // A PATH holding Node only: no bwrap on it.
    const withoutBwrap = { PATH: dirname(process.execPath) };
    const strict = await runMain([], { ...withoutBwrap, PORT: '0', API_KEYS: 'k'.repeat(20), KAGE_SANDBOX: 'bwrap', KAGE_DATA_DIR: await tempDataDir() });
    expect(strict.code).toBe(1);
    expect(strict.output.trim().split('\n')).toEqual(['KAGE_SANDBOX=bwrap, but bubblewrap (bwrap) is not installed: install bubblewrap (Debian: apt-get install bubblewrap), or set KAGE_SANDBOX=auto or off']);
    const loose = await startServiceProcess({ ...withoutBwrap, KAGE_SANDBOX: 'auto', KAGE_DATA_DIR: await tempDataDir() });
    cleanups.push(() => loose.kill('SIGTERM'));
    const health = (await (await fetch(`${loose.url}/health`)).json()) as { sandbox: { mode: string; reason: string } };
    expect(health.sandbox).toMatchObject({ mode: 'off', reason: 'bubblewrap (bwrap) is not installed' });
  });

  it('generates an API key on first start, prints it once, keeps it, and never logs it', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const env = { KAGE_DATA_DIR: dataDir, PORT: String(port), API_KEYS: '', LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [mainPath], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    cleanups.push(() => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGKILL')))));
    const url = `http://127.0.0.1:${port}`;
    while (!(await fetch(`${url}/health`).then((r) => r.ok, () => false))) await new Promise((resolve) => setTimeout(resolve, 200));
    const key = readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
    expect(output).toContain(key);
    expect((await fetch(`${url}/api/v1/tasks`, { headers: { 'x-api-key': key } })).status).toBe(200);
    expect((await fetch(`${url}/api/v1/tasks`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logLines = output.split('\n').filter((line) => line.startsWith('{'));
    const requestLogs = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
    expect(requestLogs.length).toBeGreaterThanOrEqual(2);
    expect(requestLogs.every((entry) => typeof entry.requestId === 'string')).toBe(true);
    expect(logLines.some((line) => line.includes(key))).toBe(false);

    await new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM')));
    const again = await runMain(['migrate'], env);
    expect(again.code).toBe(0);
    expect(again.output).not.toContain(key);
    expect(readFileSync(join(dataDir, 'api-key'), 'utf8').trim()).toBe(key);
  });

  it('keeps a second process off the same embedded database with a clear message', async () => {
    const dataDir = await tempDataDir();
    const first = await startServiceProcess({ KAGE_DATA_DIR: dataDir });
    cleanups.push(() => first.kill('SIGKILL'));
    const second = await runMain([], { KAGE_DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/embedded database .* is in use by process \d+/);
    expect(second.output.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a port in use with one line, before generating a key or touching a data folder', async () => {
    const first = await startServiceProcess({ KAGE_DATA_DIR: await tempDataDir() });
    cleanups.push(() => first.kill('SIGKILL'));
    const dataDir = join(await tempDataDir(), 'never-created');
    const second = await runMain([], { KAGE_DATA_DIR: dataDir, API_KEYS: '', PORT: new URL(first.url).port });
    expect(second.code).toBe(1);
    expect(second.output.trim()).toMatch(/^port \d+ on 127\.0\.0\.1 is in use \(another Kage Bunshin\?\); stop it or set PORT$/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('SIGTERM ends the process promptly even with an SSE stream open', async () => {
    const repo = await createTestRepo();
    cleanups.push(() => repo.cleanup());
    const service = await startServiceProcess({ KAGE_DATA_DIR: await tempDataDir(), KAGE_WORKER_CONCURRENCY: '0' });
    cleanups.push(() => service.kill('SIGKILL'));
    const submitted = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'wait', repository: { path: repo.path }, agents: [{ agent: 'command', command: ['true'] }] },
    });
    const { id } = (await submitted.json()) as { id: string };
    const stream = await service.request(`/api/v1/tasks/${id}/progress`);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: connected');
    const exited = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
    service.process.kill('SIGTERM');
    // A hung shutdown would hit the test timeout; a clean one exits 0 and ends the stream.
    expect(await exited).toBe(0);
    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) break;
  });
});
