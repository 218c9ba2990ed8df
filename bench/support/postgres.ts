/**
 * PostgreSQL for the benchmarks: the server in BENCH_DATABASE_URL (an admin URL on which
 * databases may be created), or a throw-away cluster started like the integration tests' one.
 */
import { createDatabase, startPostgresCluster } from '../../test/support/postgres-cluster.ts';

export interface BenchPostgres {
  /** A new, empty database on the server; returns its URL. */
  createDatabase(): Promise<string>;
  stop(): void;
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const given = process.env.BENCH_DATABASE_URL;
  const cluster = given ? undefined : await startPostgresCluster();
  const adminUrl = given ?? cluster!.adminUrl;
  return {
    createDatabase: () => createDatabase(adminUrl, 'kage_bench'),
    stop() {
      cluster?.stop();
    },
  };
}
