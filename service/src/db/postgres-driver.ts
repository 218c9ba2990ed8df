import pg from 'pg';
import type { Db, DbConnection, NotificationHandler, Queryable, SqlParam } from './db.ts';

// BIGINT and NUMERIC arrive as strings by default; our BIGINTs are token counts and our
// NUMERICs are dollar amounts, both well inside a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** PostgreSQL through a `pg` pool, plus one dedicated client for LISTEN. */
export class PostgresDriver implements Db {
  readonly kind = 'postgres';
  readonly connection: DbConnection;
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private listenerReady: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private closed = false;

  readonly connectionString: string;

  constructor(connectionString: string, poolSize = 10) {
    this.connectionString = connectionString;
    this.connection = { kind: 'postgres', connectionString };
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

  async listen(channel: string, handler: NotificationHandler, onReconnect?: () => void): Promise<() => Promise<void>> {
    const client = await this.listenerClient();
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    }
    set.add(handler);
    if (onReconnect) this.reconnectHandlers.add(onReconnect);
    return async () => {
      if (onReconnect) this.reconnectHandlers.delete(onReconnect);
      const current = this.handlers.get(channel);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(channel);
        await this.listener?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
      }
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    this.listenerReady = undefined;
    await listener?.end().catch(() => {});
    await this.pool.end();
  }

  private listenerClient(): Promise<pg.Client> {
    this.listenerReady ??= this.connectListener().catch((error: unknown) => {
      this.listenerReady = undefined;
      throw error;
    });
    return this.listenerReady;
  }

  private async connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString });
    // A dead LISTEN connection (server restart, network) is replaced, or SSE streams, cancels
    // and webhook wake-ups would silently stop reaching this process.
    const lost = () => this.listenerLost(client);
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.listener = client;
    return client;
  }

  private listenerLost(client: pg.Client): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    this.listenerReady = undefined;
    void client.end().catch(() => {});
    void this.reconnectListener();
  }

  /** Reconnects with backoff, then tells the listeners that notifications may have been missed. */
  private async reconnectListener(): Promise<void> {
    for (let delay = 250; !this.closed; delay = Math.min(delay * 2, 5_000)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.closed) return;
      try {
        await this.listenerClient();
        for (const resume of this.reconnectHandlers) resume();
        return;
      } catch {
        // Still unreachable: try again after a longer pause.
      }
    }
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
