/**
 * What the service says when it starts: the "Kage Bunshin listening" log line names the review
 * pages, the API docs and the generated key's file; at a terminal (a real pty, from util-linux's
 * `script`) a readable block says the same. No key from API_KEYS is ever printed, and the
 * generated one only on the start that made it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { makeTempDir } from '../support/git-repo.ts';
import { startServiceProcess } from '../support/service-process.ts';
import { until } from '../support/until.ts';

const mainPath = fileURLToPath(new URL('../../service/src/main.ts', import.meta.url));
const operatorKey = `operator-${'s'.repeat(24)}`;

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
}

/** What startAtTerminal started and is still running: killed (its process group) after each test, however it ended. */
const running = new Set<ChildProcess>();
const nodePids = new Map<ChildProcess, number[]>();

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** `node main.ts` with its stdout on a pseudo-terminal; the command line is fixed, paths come by environment. */
async function startAtTerminal(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn('script', ['--quiet', '--return', '--command', 'exec "$KB_NODE" "$KB_MAIN"', '/dev/null'], {
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), KAGE_DRAIN_SECONDS: '0', KB_NODE: process.execPath, KB_MAIN: mainPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // script runs node in a session of its own on the pty: killing script would only send it SIGHUP.
  child.once('spawn', () => setTimeout(() => nodePids.set(child, childPids(child.pid!)), 500));
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  // The log line, then the block for people, whose last line names the key.
  await until('the start-up lines', async () => (output.includes('Kage Bunshin listening') && output.includes('API key ') ? true : undefined), 30_000);
  return { child, output: () => output.replaceAll('\r\n', '\n'), url };
}

/** Stops a service started at a terminal: drain (it exits by itself, and script after it), else kill both. */
async function stop(started: Started, key: string): Promise<void> {
  if (started.child.exitCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  await fetch(`${started.url}/api/v1/admin/drain`, { method: 'POST', headers: { 'x-api-key': key } }).catch(() => undefined);
  const timer = setTimeout(() => [...childPids(started.child.pid!), started.child.pid!].forEach(killQuietly), 15_000);
  await exited;
  clearTimeout(timer);
}

function listeningLine(output: string): Record<string, unknown> {
  const line = output.split('\n').find((text) => text.startsWith('{') && text.includes('"Kage Bunshin listening"'));
  expect(line, output).toBeDefined();
  return JSON.parse(line!) as Record<string, unknown>;
}

describe('what the service says at start-up', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const child of running) for (const pid of [...(nodePids.get(child) ?? childPids(child.pid!)), child.pid!]) killQuietly(pid);
  });
  const tempDataDir = async () => {
    const dir = await makeTempDir('kage-startup-');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };

  it('logs where the pages and docs are; to a pipe, JSON only and never the API_KEYS key', async () => {
    const service = await startServiceProcess({ KAGE_DATA_DIR: await tempDataDir(), LOG_LEVEL: 'info', API_KEYS: operatorKey });
    cleanups.push(() => service.kill('SIGKILL'));
    await until('the listening line', async () => (service.output().includes('Kage Bunshin listening') ? true : undefined), 10_000);
    const line = listeningLine(service.output());
    expect(line).toMatchObject({ url: service.url, ui: `${service.url}/ui`, docs: `${service.url}/docs` });
    expect(line).not.toHaveProperty('apiKeyFile');
    expect(service.output()).not.toContain('review pages');
    expect(service.output()).not.toContain(operatorKey);
  });

  it('at a terminal: the URLs of /ui and /docs and where the generated key is kept; the key itself only on the first start', async () => {
    const dataDir = await tempDataDir();
    const keyFile = join(dataDir, 'api-key');
    const first = await startAtTerminal({ KAGE_DATA_DIR: dataDir, API_KEYS: '' });
    const key = readFileSync(keyFile, 'utf8').trim();
    cleanups.push(() => stop(first, key));
    const text = first.output();
    expect(text).toContain(`review pages  ${first.url}/ui `);
    expect(text).toContain(`API docs      ${first.url}/docs\n`);
    expect(text).toContain(`API key       kept in ${keyFile}\n`);
    expect(listeningLine(text)).toMatchObject({ ui: `${first.url}/ui`, docs: `${first.url}/docs`, apiKeyFile: keyFile });
    expect(text.split(key)).toHaveLength(2); // printed once, when generated
    await stop(first, key);

    const again = await startAtTerminal({ KAGE_DATA_DIR: dataDir, API_KEYS: '' });
    cleanups.push(() => stop(again, key));
    expect(again.output()).toContain(`API key       kept in ${keyFile}\n`);
    expect(again.output()).not.toContain(key);
  });

  it('at a terminal with API_KEYS: says so, prints no key', async () => {
    const service = await startAtTerminal({ KAGE_DATA_DIR: await tempDataDir(), API_KEYS: operatorKey });
    cleanups.push(() => stop(service, operatorKey));
    expect(service.output()).toContain(`review pages  ${service.url}/ui `);
    expect(service.output()).toContain('API key       one of API_KEYS\n');
    expect(service.output()).not.toContain(operatorKey);
  });
});
