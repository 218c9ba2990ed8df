/**
 * Vitest global setup: gives the integration tests a real PostgreSQL server.
 * Uses KAGE_TEST_DATABASE_URL when set; otherwise starts a throw-away cluster from the machine's
 * PostgreSQL binaries (initdb + pg_ctl, as the `postgres` user when running as root, because
 * PostgreSQL refuses to run as root) on a free port, with its data in a temp folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from './free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
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

export default async function setup(project: TestProject): Promise<(() => void) | void> {
  const given = process.env.KAGE_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresAdminUrl', given);
    return;
  }
  const bin = findPostgresBin();
  const dataDir = mkdtempSync(join(tmpdir(), 'kage-pg-'));
  chmodSync(dataDir, 0o777);
  const isRoot = process.getuid?.() === 0;
  if (isRoot) execFileSync('chown', ['postgres', dataDir]);
  const port = await freePort();
  runAsPostgres([join(bin, 'initdb'), '-D', join(dataDir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  runAsPostgres([
    join(bin, 'pg_ctl'), '-D', join(dataDir, 'data'), '-w', '-l', join(dataDir, 'server.log'),
    '-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off`,
    'start',
  ]);
  project.provide('postgresAdminUrl', `postgres://postgres@127.0.0.1:${port}/postgres`);
  return () => {
    try {
      runAsPostgres([join(bin, 'pg_ctl'), '-D', join(dataDir, 'data'), '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
}
