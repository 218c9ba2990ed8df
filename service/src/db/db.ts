/**
 * The one database interface the service uses, with two drivers: PostgreSQL (`pg`) and the
 * embedded PGlite. Everything above this file is driver-agnostic.
 */
import type { PGlite } from '@electric-sql/pglite';

export type SqlParam = string | number | boolean | null | Date | string[] | Record<string, unknown> | unknown[];

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
}

export type NotificationHandler = (payload: string) => void;

/** How another client (the job queue) reaches the same database: its own connections, or the embedded instance itself. */
export type DbConnection = { kind: 'postgres'; connectionString: string } | { kind: 'pglite'; pglite: PGlite };

export interface Db extends Queryable {
  readonly kind: DbConnection['kind'];
  readonly connection: DbConnection;
  /** Runs `work` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to NOTIFY on `channel`; the returned function unsubscribes. When the connection
   * that listens is lost and comes back, `onReconnect` runs: notifications sent meanwhile were
   * missed, so the listener catches up from the tables.
   */
  listen(channel: string, handler: NotificationHandler, onReconnect?: () => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}
