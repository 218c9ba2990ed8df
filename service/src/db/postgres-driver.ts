import pg from 'pg';
import type { Db, NotificationHandler, Queryable, SqlParam } from './db.ts';

// BIGINT and NUMERIC arrive as strings by default; our BIGINTs are token counts and our
// NUMERICs are dollar amounts, both well inside a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** PostgreSQL through a `pg` pool, plus one dedicated client for LISTEN. */
export class PostgresDriver implements Db {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private listenerReady: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<NotificationHandler>>();

  readonly connectionString: string;

  constructor(connectionString: string, poolSize = 10) {
    this.connectionString = connectionString;
    this.pool = new pg.Pool({ connectionString, max: poolSize });
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
  }

  async query<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as Row[];
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <Row>(sql: string, params: readonly SqlParam[] = []) =>
          (await client.query(sql, params as unknown[])).rows as Row[],
      };
      const value = await work(tx);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    const client = await this.listenerClient();
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    }
    set.add(handler);
    return async () => {
      const current = this.handlers.get(channel);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(channel);
        await client.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
      }
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    this.listenerReady = undefined;
    await listener?.end().catch(() => {});
    await this.pool.end();
  }

  private listenerClient(): Promise<pg.Client> {
    this.listenerReady ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on('error', () => {});
      client.on('notification', (message) => {
        for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      await client.connect();
      this.listener = client;
      return client;
    })();
    return this.listenerReady;
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
