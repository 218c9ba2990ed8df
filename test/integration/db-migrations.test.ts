import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../service/src/db/db.ts';
import { runMigrations } from '../../service/src/db/migrations.ts';
import { PostgresDriver } from '../../service/src/db/postgres-driver.ts';
import { createPostgresDatabase, driverKinds, openTestDb } from '../support/databases.ts';

describe.each(driverKinds)('migrations on %s', (kind) => {
  let db: Db | undefined;
  afterEach(async () => db?.close());

  it('applies every migration once and records it; a second run applies nothing', async () => {
    db = await openTestDb(kind, { migrate: false });
    const first = await runMigrations(db);
    expect(first).toContain('001_initial_schema.sql');
    expect(await runMigrations(db)).toEqual([]);
    const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(recorded.map((row) => row.name)).toEqual(first);
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['tasks', 'agent_runs', 'progress_events', 'subscriptions', 'webhook_deliveries']),
    );
  });

  it('delivers NOTIFY to a listener', async () => {
    db = await openTestDb(kind);
    const received = new Promise<string>((resolve) => void db!.listen('kage_test', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await db.notify('kage_test', 'hello');
    expect(await received).toBe('hello');
  });
});

describe('migrations from two processes at once (PostgreSQL)', () => {
  it('apply exactly once', async () => {
    const url = await createPostgresDatabase();
    const a = new PostgresDriver(url);
    const b = new PostgresDriver(url);
    try {
      const [first, second] = await Promise.all([runMigrations(a), runMigrations(b)]);
      expect([...first, ...second].filter((name) => name === '001_initial_schema.sql')).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
