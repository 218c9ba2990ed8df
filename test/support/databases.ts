/**
 * Test databases: every database test runs against both drivers. PostgreSQL tests get a fresh
 * database on the server the global setup provides; PGlite tests get a fresh in-memory instance.
 */
import { inject } from 'vitest';
import type { Db } from '../../service/src/db/db.ts';
import { runMigrations } from '../../service/src/db/migrations.ts';
import { PgliteDriver } from '../../service/src/db/pglite-driver.ts';
import { PostgresDriver } from '../../service/src/db/postgres-driver.ts';
import { createDatabase } from './postgres-cluster.ts';

export type DriverKind = 'postgres' | 'pglite';
export const driverKinds: DriverKind[] = ['postgres', 'pglite'];

/** Creates an empty PostgreSQL database and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  return createDatabase(inject('postgresAdminUrl'), 'kage_test');
}

/** An empty, migrated database of the given kind. */
export async function openTestDb(kind: DriverKind, options: { migrate?: boolean } = {}): Promise<Db> {
  const db = kind === 'postgres' ? new PostgresDriver(await createPostgresDatabase()) : await PgliteDriver.open(undefined);
  if (options.migrate !== false) await runMigrations(db);
  return db;
}
