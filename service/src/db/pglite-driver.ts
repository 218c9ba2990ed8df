import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { Db, DbConnection, NotificationHandler, Queryable, SqlParam } from './db.ts';
import { DataDirLock } from './data-dir-lock.ts';
import { quoteIdent } from './postgres-driver.ts';

/**
 * Embedded PGlite: one connection, one process. A lock file keeps a second process from
 * opening the same data directory (PGlite has no cross-process locking of its own).
 */
export class PgliteDriver implements Db {
  readonly kind = 'pglite';
  readonly connection: DbConnection;

  readonly pglite: PGlite;
  private readonly lock: DataDirLock | undefined;

  private constructor(pglite: PGlite, lock: DataDirLock | undefined) {
    this.pglite = pglite;
    this.connection = { kind: 'pglite', pglite };
    this.lock = lock;
  }

  /** `dataDir` undefined = in memory (tests). */
  static async open(dataDir: string | undefined): Promise<PgliteDriver> {
    let lock: DataDirLock | undefined;
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      lock = DataDirLock.acquire(dataDir);
    }
    try {
      const pglite = await PGlite.create(dataDir ?? 'memory://', { parsers: numericParsers });
      return new PgliteDriver(pglite, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  async query<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    const result = await this.pglite.query<Row>(sql, params as unknown[]);
    return result.rows;
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pglite.transaction(async (tx) =>
      work({ query: async <Row>(sql: string, params: readonly SqlParam[] = []) => (await tx.query<Row>(sql, params as unknown[])).rows }),
    );
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    return this.pglite.listen(quoteIdent(channel), handler);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pglite.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    try {
      await this.pglite.close();
    } finally {
      this.lock?.release();
    }
  }
}

// Same choices as the PostgreSQL driver: BIGINT (20) and NUMERIC (1700) as numbers.
const numericParsers = {
  20: (value: string) => Number(value),
  1700: (value: string) => Number(value),
};
