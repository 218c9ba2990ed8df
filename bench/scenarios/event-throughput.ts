/**
 * Event throughput: 8 agents of one task print as fast as they can; events stored per second
 * (first to last stored progress event), and a count check that every printed line was stored.
 * Baseline: the same rows INSERTed one statement each by 8 concurrent writers on the same database.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../service/src/db/db.ts';
import { createBigRepo } from '../support/big-repo.ts';
import { stampAgentSpec, type BenchContext, type BenchRow, type ScenarioResult } from '../support/context.ts';
import { type DriverKind, openBenchDb, startBenchService, submitTask, waitForTaskEnd } from '../support/service.ts';
import { now, ratio, round } from '../support/stats.ts';

const AGENTS = 8;

export async function eventThroughput(context: BenchContext): Promise<ScenarioResult> {
  const linesPerAgent = context.options.quick ? 500 : 2_500;
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = { agents: AGENTS, linesPerAgent };
  for (const kind of ['postgres', 'pglite'] as DriverKind[]) {
    context.log(`event throughput on ${kind}: ${AGENTS} agents × ${linesPerAgent} lines`);
    const result = await measure(context, kind, linesPerAgent);
    details[kind] = result;
    rows.push({
      benchmark: 'event throughput',
      measure: `${kind}: events stored/s (${result.stored}/${result.printed} stored)`,
      value: round(result.eventsPerSecond, 0),
      baseline: round(result.rawInsertsPerSecond, 0),
      baselineName: 'raw single-row INSERTs/s, 8 writers',
      unit: 'events/s',
      ratio: ratio(result.rawInsertsPerSecond, result.eventsPerSecond),
      target: kind === 'postgres' ? '≥ 5,000/s' : '',
    });
  }
  return { rows, details };
}

async function measure(context: BenchContext, kind: DriverKind, linesPerAgent: number) {
  const repo = await createBigRepo(10);
  const db = await openBenchDb(kind, context.postgres);
  const service = await startBenchService({ db, workers: 2 });
  try {
    const started = now();
    const taskId = await submitTask(service, {
      description: 'event throughput benchmark',
      repository: { path: repo.path },
      agents: Array.from({ length: AGENTS }, () => stampAgentSpec(linesPerAgent, 0)),
    });
    const task = await waitForTaskEnd(service, taskId, 600_000);
    const wallMs = now() - started;
    const [stats] = await db.query<{ stored: number; first: Date; last: Date; gapless: boolean }>(
      `SELECT count(*)::int AS stored, min(created_at) AS first, max(created_at) AS last,
              (SELECT count(*) = max(seq) FROM progress_events WHERE task_id = $1) AS gapless
         FROM progress_events WHERE task_id = $1 AND type = 'agent.progress'`,
      [taskId],
    );
    const spanMs = new Date(stats!.last).getTime() - new Date(stats!.first).getTime();
    const printed = AGENTS * linesPerAgent;
    const rawInsertsPerSecond = await rawInsertRate(db, printed);
    return {
      taskStatus: task.status,
      printed,
      stored: stats!.stored,
      lost: printed - stats!.stored,
      gaplessSeq: stats!.gapless,
      storeSpanMs: spanMs,
      wallMs: round(wallMs),
      eventsPerSecond: (stats!.stored / Math.max(spanMs, 1)) * 1000,
      rawInsertsPerSecond,
    };
  } finally {
    await service.stop();
    await repo.cleanup();
  }
}

/** `count` progress-like rows, one INSERT each, by 8 concurrent writers into a table shaped like progress_events. */
async function rawInsertRate(db: Db, count: number): Promise<number> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS bench_raw_events (
       task_id UUID NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, agent_label TEXT,
       data JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (task_id, seq))`,
  );
  const perWriter = Math.ceil(count / AGENTS);
  const started = now();
  await Promise.all(
    Array.from({ length: AGENTS }, async (_, writer) => {
      const taskId = randomUUID();
      for (let i = 1; i <= perWriter; i += 1) {
        await db.query('INSERT INTO bench_raw_events (task_id, seq, type, agent_label, data) VALUES ($1, $2, $3, $4, $5)', [
          taskId,
          i,
          'agent.progress',
          `command-${writer + 1}`,
          JSON.stringify({ kind: 'text', message: `stamp ${i} ${Date.now()}` }),
        ]);
      }
    }),
  );
  return ((perWriter * AGENTS) / (now() - started)) * 1000;
}
