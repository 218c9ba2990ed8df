/**
 * The service as a real child process (`node service/src/main.ts`), for tests that kill it and
 * benchmarks that read its memory apart from their own.
 */
import { join } from 'node:path';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase, type DriverKind } from './databases.ts';
import { freePort } from './free-port.ts';
import { type KeyedRequest, keyedRequest } from './keyed-request.ts';
import { TEST_API_KEY } from './service-harness.ts';

/** The tests' fake agents and fixtures: outside the system folders, so the sandbox is told it may read them. */
export const fixturesDir = join(import.meta.dirname, '../fixtures');

/** Where tests put files that gated agents wait for: readable in the sandbox too. */
const gatesRoot = join(tmpdir(), 'kage-test-gates');

/** What a test service's sandbox may read: the fixtures and the gates. */
export const testReadPaths = `${fixturesDir}:${gatesRoot}`;

/** A fresh folder for gate files, which sandboxed agents see appear. */
export async function makeGateDir(): Promise<string> {
  await mkdir(gatesRoot, { recursive: true });
  return mkdtemp(join(gatesRoot, 'gates-'));
}

const mainPath = fileURLToPath(new URL('../../service/src/main.ts', import.meta.url));

export interface ServiceProcess {
  url: string;
  process: ChildProcess;
  /** Sends the first of the process's API_KEYS. */
  request: KeyedRequest;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far (its log). */
  output(): string;
  /** Current and peak resident memory of the process (VmRSS, VmHWM), in bytes. */
  memory(): Promise<{ rss: number; peakRss: number }>;
}

/** `user`: run the service as this user and group (the tests run as root: a service run by a normal user). */
/** `env`: a variable given as undefined is removed (e.g. KAGE_DRAIN_SECONDS, for the default drain). */
export async function startServiceProcess(env: Record<string, string | undefined>, user?: { uid: number; gid: number }): Promise<ServiceProcess> {
  const port = await freePort();
  // KAGE_DRAIN_SECONDS=0: a test's SIGTERM means "stop now" (as before draining existed), unless it tests draining.
  const fullEnv: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', PORT: String(port), API_KEYS: TEST_API_KEY, LOG_LEVEL: 'warn', KAGE_SANDBOX_READ_PATHS: testReadPaths, KAGE_DRAIN_SECONDS: '0', ...env };
  for (const [name, value] of Object.entries(fullEnv)) if (value === undefined) delete fullEnv[name];
  const child = spawn(process.execPath, [mainPath], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...user,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    // Healthy, and from this process: under parallel tests another server may hold a port freePort handed out.
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy && child.pid !== undefined && listensOn(child.pid, port)) break;
    if (Date.now() > deadline) throw new Error(`service did not become healthy:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    process: child,
    request: keyedRequest(url, fullEnv.API_KEYS!.split(',')[0]!),
    output: () => output,
    kill(signal) {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
    async memory() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const bytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 'NaN') * 1024;
      return { rss: bytes('VmRSS'), peakRss: bytes('VmHWM') };
    },
  };
}

/** Whether process `pid` holds the listening TCP socket on `port` (from /proc: its sockets' inodes in /proc/net/tcp). */
function listensOn(pid: number, port: number): boolean {
  let sockets: Set<string>;
  try {
    sockets = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return '';
          }
        })
        .filter((link) => link.startsWith('socket:['))
        .map((link) => link.slice('socket:['.length, -1)),
    );
  } catch {
    return false;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .some((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && sockets.has(fields[9] ?? ''));
}

/**
 * A service process on `kind` (a fresh PostgreSQL database, or PGlite in its data folder), in a
 * data folder of its own; `stop` ends it with SIGTERM and removes the folder.
 */
export async function startServiceOn(kind: DriverKind, env: Record<string, string> = {}): Promise<ServiceProcess & { dataDir: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), `kage-${kind}-service-`));
  const database = kind === 'postgres' ? { DATABASE_URL: await createPostgresDatabase() } : {};
  const service = await startServiceProcess({ KAGE_DATA_DIR: dataDir, ...database, ...env });
  return {
    ...service,
    dataDir,
    async stop() {
      await service.kill('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
