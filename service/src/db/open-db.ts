import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db.ts';
import { PgliteDriver } from './pglite-driver.ts';
import { PostgresDriver } from './postgres-driver.ts';

export interface DbOptions {
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files when no DATABASE_URL is given. */
  dataDir: string;
}

/**
 * PostgreSQL when a URL is given, else embedded PGlite under `<dataDir>/pglite`. The data folder
 * (database files, generated key and secret, worktrees) is made private to the service's user
 * first: PGlite writes its files world-readable, and its WAL holds callback secrets.
 */
export function openDb(options: DbOptions): Promise<Db> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  if (options.databaseUrl) return Promise.resolve(new PostgresDriver(options.databaseUrl));
  return PgliteDriver.open(join(options.dataDir, 'pglite'));
}
