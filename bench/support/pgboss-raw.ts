/**
 * pg-boss alone on a database of the benchmark's PostgreSQL: `jobs` sends, then fetch + complete
 * of each, `concurrency` at a time, one job per call (as the service's workers take them). The
 * ceiling the queue puts on any number of instances, measured on the same server in the same run.
 */
import { PgBoss } from 'pg-boss';

export interface PgBossThroughput {
  jobs: number;
  concurrency: number;
  sendsPerSecond: number;
  fetchCompletesPerSecond: number;
}

export async function measurePgBoss(databaseUrl: string, jobs: number, concurrency: number): Promise<PgBossThroughput> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: concurrency + 2, schedule: false, supervise: false });
  boss.on('error', () => {});
  await boss.start();
  try {
    const queue = 'bench-raw';
    await boss.createQueue(queue);
    let next = 0;
    const sendStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs) {
          const index = next++;
          await boss.send(queue, { index });
        }
      }),
    );
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    let done = 0;
    const fetchStarted = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const [job] = await boss.fetch<{ index: number }>(queue, { batchSize: 1 });
          if (!job) return;
          await boss.complete(queue, job.id);
          done += 1;
        }
      }),
    );
    const fetchSeconds = (performance.now() - fetchStarted) / 1000;
    if (done !== jobs) throw new Error(`pg-boss baseline: fetched ${done} of ${jobs} jobs`);
    return { jobs, concurrency, sendsPerSecond: jobs / sendSeconds, fetchCompletesPerSecond: jobs / fetchSeconds };
  } finally {
    await boss.stop({ graceful: false, close: true, timeout: 2_000 });
  }
}
