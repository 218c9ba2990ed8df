/**
 * Vitest global setup: gives the integration tests a real PostgreSQL server.
 * Uses KAGE_TEST_DATABASE_URL when set; otherwise starts a throw-away cluster (see
 * postgres-cluster.ts).
 */
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | void> {
  const given = process.env.KAGE_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresAdminUrl', given);
    return;
  }
  const cluster = await startPostgresCluster();
  project.provide('postgresAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
