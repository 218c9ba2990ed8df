/**
 * A throw-away PostgreSQL cluster from the machine's server binaries (initdb + pg_ctl, as the
 * `postgres` user when running as root, because PostgreSQL refuses to run as root) on a free
 * port, with its data in a temp folder. Used by the integration tests' global setup and by the
 * benchmarks.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

export interface PostgresCluster {
  /** URL of the `postgres` database as superuser; create databases through it. */
  adminUrl: string;
  /** Stops the server and deletes its data. */
  stop(): void;
  /** Stops the server, keeping its data: a database outage, for fault tests. */
  pause(): void;
  /** Starts the paused server again on the same port. */
  resume(): void;
}

function findPostgresBin(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = join(base, version, 'bin');
    if (existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(
    'PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql) ' +
      'or set KAGE_TEST_DATABASE_URL to a server the tests may create databases on.',
  );
}

function runAsPostgres(argv: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [file, ...args] = isRoot ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  execFileSync(file!, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  const dataDir = mkdtempSync(join(tmpdir(), 'kage-pg-'));
  chmodSync(dataDir, 0o777);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dataDir]);
  const port = await freePort();
  runAsPostgres([join(bin, 'initdb'), '-D', join(dataDir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const start = () =>
    runAsPostgres([
      join(bin, 'pg_ctl'), '-D', join(dataDir, 'data'), '-w', '-l', join(dataDir, 'server.log'),
      '-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off`,
      'start',
    ]);
  start();
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause: () => runAsPostgres([join(bin, 'pg_ctl'), '-D', join(dataDir, 'data'), '-w', '-m', 'fast', 'stop']),
    resume: start,
    stop() {
      try {
        runAsPostgres([join(bin, 'pg_ctl'), '-D', join(dataDir, 'data'), '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Creates a new, empty database (named `<prefix>_<random>`) on the server; returns its URL. */
export async function createDatabase(adminUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
