/**
 * Scale: 20 tasks × 3 agents submitted at once (20 workers), each task with a webhook callback
 * for every event. All must finish; every printed line stored; every event delivered once.
 * The service runs as its own process: peak memory is its peak RSS (VmHWM), the baseline its
 * RSS once started and idle.
 */
import { rm } from 'node:fs/promises';
import type { Db } from '../../service/src/db/db.ts';
import { runMigrations } from '../../service/src/db/migrations.ts';
import { PostgresDriver } from '../../service/src/db/postgres-driver.ts';
import { makeTempDir } from '../../test/support/git-repo.ts';
import { createBigRepo } from '../support/big-repo.ts';
import { stampAgentSpec, type BenchContext, type BenchRow, type ScenarioResult } from '../support/context.ts';
import { startServiceProcess } from '../../test/support/service-process.ts';
import { BENCH_API_KEY, submitTask, waitForTaskEnd } from '../support/service.ts';
import { now, ratio, round } from '../support/stats.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const TASKS = 20;
const AGENTS = 3;
const MB = 1024 * 1024;

export async function scale(context: BenchContext): Promise<ScenarioResult> {
  const lines = context.options.quick ? 50 : 200;
  const intervalMs = 10;
  const repo = await createBigRepo(1_000);
  const databaseUrl = await context.postgres.createDatabase();
  const db = new PostgresDriver(databaseUrl);
  await runMigrations(db);
  const dataDir = await makeTempDir('kage-bench-data-');
  const service = await startServiceProcess({
    DATABASE_URL: databaseUrl,
    KAGE_DATA_DIR: dataDir,
    KAGE_WORKER_CONCURRENCY: String(TASKS),
    API_KEYS: BENCH_API_KEY,
    KAGE_RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const receiver = await startWebhookReceiver();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const idleRss = (await service.memory()).rss;
  try {
    context.log(`scale: ${TASKS} tasks × ${AGENTS} agents × ${lines} lines`);
    const started = now();
    const ids = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        submitTask(service, {
          description: `scale benchmark task ${i}`,
          repository: { path: repo.path },
          agents: Array.from({ length: AGENTS }, () => stampAgentSpec(lines, intervalMs)),
          callbacks: [{ url: receiver.url }],
        }),
      ),
    );
    const tasks = await Promise.all(ids.map((id) => waitForTaskEnd(service, id, 600_000)));
    const allDoneMs = now() - started;
    const [events] = await db.query<{ total: number; progress: number }>(
      `SELECT count(*)::int AS total, (count(*) FILTER (WHERE type = 'agent.progress'))::int AS progress
         FROM progress_events WHERE task_id = ANY($1::uuid[])`,
      [ids],
    );
    const deliveriesSettled = await waitForDeliveries(db, ids, 120_000);
    const settledMs = now() - started;
    const peakRss = (await service.memory()).peakRss;
    const [deliveries] = await db.query<{ total: number; delivered: number }>(
      `SELECT count(*)::int AS total, (count(*) FILTER (WHERE status = 'delivered'))::int AS delivered
         FROM webhook_deliveries WHERE task_id = ANY($1::uuid[])`,
      [ids],
    );
    const uniqueReceived = new Set(receiver.received.map((hook) => hook.id)).size;
    const details = {
      tasks: TASKS,
      agentsPerTask: AGENTS,
      linesPerAgent: lines,
      completed: tasks.filter((task) => task.status === 'completed').length,
      allTasksDoneMs: round(allDoneMs),
      allDeliveriesDoneMs: round(settledMs),
      deliveriesSettled,
      eventsStored: events!.total,
      progressStored: events!.progress,
      progressPrinted: TASKS * AGENTS * lines,
      deliveries: deliveries!.total,
      delivered: deliveries!.delivered,
      webhooksReceived: receiver.received.length,
      uniqueWebhooksReceived: uniqueReceived,
      idleRssMb: round(idleRss / MB),
      peakRssMb: round(peakRss / MB),
    };
    context.log(`scale: ${JSON.stringify(details)}`);
    const rows: BenchRow[] = [
      {
        benchmark: 'scale',
        measure: `${TASKS}×${AGENTS}: peak RSS (${details.completed}/${TASKS} completed)`,
        value: details.peakRssMb,
        baseline: details.idleRssMb,
        baselineName: 'service process idle RSS',
        unit: 'MB',
        ratio: ratio(peakRss, idleRss),
        target: 'all finish',
      },
      {
        benchmark: 'scale',
        measure: `events stored (progress ${details.progressStored}/${details.progressPrinted})`,
        value: details.eventsStored,
        baseline: null,
        baselineName: '',
        unit: 'events',
        ratio: null,
        target: 'none lost',
      },
      {
        benchmark: 'scale',
        measure: 'submit → every webhook delivered',
        value: details.allDeliveriesDoneMs,
        baseline: details.allTasksDoneMs,
        baselineName: 'submit → every task ended',
        unit: 'ms',
        ratio: ratio(settledMs, allDoneMs),
        target: 'report',
      },
      {
        benchmark: 'scale',
        measure: `webhooks delivered (received ${uniqueReceived} unique)`,
        value: details.delivered,
        baseline: details.deliveries,
        baselineName: 'deliveries created',
        unit: 'deliveries',
        ratio: null,
        target: '= events',
      },
    ];
    return { rows, details };
  } finally {
    await receiver.close();
    await service.kill('SIGTERM');
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
    await repo.cleanup();
  }
}

async function waitForDeliveries(db: Db, ids: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.query<{ pending: number }>(
      "SELECT count(*)::int AS pending FROM webhook_deliveries WHERE task_id = ANY($1::uuid[]) AND status = 'pending'",
      [ids],
    );
    if (row!.pending === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
