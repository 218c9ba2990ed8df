import { join } from 'node:path';
import type { Db } from './db.ts';
import { PgliteDriver } from './pglite-driver.ts';
import { PostgresDriver } from './postgres-driver.ts';

export interface DbOptions {
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files when no DATABASE_URL is given. */
  dataDir: string;
}

/** PostgreSQL when a URL is given, else embedded PGlite under `<dataDir>/pglite`. */
export function openDb(options: DbOptions): Promise<Db> {
  if (options.databaseUrl) return Promise.resolve(new PostgresDriver(options.databaseUrl));
  return PgliteDriver.open(join(options.dataDir, 'pglite'));
}
