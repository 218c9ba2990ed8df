import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

// The repository's top migrations/ in a checkout; the published package carries a copy in dist/.
export const migrationsDir = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../migrations/' : '../../../migrations/', import.meta.url));

// Arbitrary constant: the advisory lock that serialises migration runs across processes.
const MIGRATION_LOCK_KEY = 724_5001;

/**
 * Applies `migrations/NNN_*.sql` in order, each in its own transaction, recording them in
 * `schema_migrations`. Safe to run twice and from two processes at once.
 * Returns the names applied by this call.
 */
export async function runMigrations(db: Db, dir = migrationsDir): Promise<string[]> {
  const files = readdirSync(dir).filter((name) => /^\d+_.+\.sql$/.test(name)).sort();
  return db.transaction(async (tx) => {
    // Transaction-scoped, so it is released with the transaction even if this process dies.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const done = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((row) => row.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}

/** Splits a migration on `;` at line ends (the files keep to that; no functions with bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
