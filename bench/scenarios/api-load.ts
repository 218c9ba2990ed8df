/**
 * API under load: GET /tasks/{id} and GET /tasks with 50 connections (autocannon), requests/s
 * and p99, against a bare Hono route in the same process that answers the same task JSON.
 */
import { serve, type ServerType } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { createBigRepo } from '../support/big-repo.ts';
import type { BenchContext, BenchRow, ScenarioResult } from '../support/context.ts';
import { BENCH_API_KEY, openBenchDb, startBenchService, submitTask, waitForTaskEnd } from '../support/service.ts';
import { ratio, round } from '../support/stats.ts';

const CONNECTIONS = 50;
const STORED_TASKS = 30;

export async function apiLoad(context: BenchContext): Promise<ScenarioResult> {
  const duration = context.options.quick ? 3 : 10;
  const repo = await createBigRepo(10);
  const db = await openBenchDb('postgres', context.postgres);
  const service = await startBenchService({ db, workers: 4 });
  let bare: ServerType | undefined;
  try {
    context.log(`api: storing ${STORED_TASKS} finished tasks of 3 agents`);
    const ids = await Promise.all(
      Array.from({ length: STORED_TASKS }, (_, i) =>
        submitTask(service, {
          description: `api benchmark task ${i}`,
          repository: { path: repo.path },
          agents: Array.from({ length: 3 }, () => ({ agent: 'command', command: ['true'] })),
        }),
      ),
    );
    await Promise.all(ids.map((id) => waitForTaskEnd(service, id)));
    const taskJson = await (await service.request(`/api/v1/tasks/${ids[0]}`)).json();
    const bareApp = new Hono().get('/bare', (c) => c.json(taskJson as Record<string, unknown>));
    const bareUrl = await new Promise<string>((resolve) => {
      bare = serve({ fetch: bareApp.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}/bare`));
    });

    const run = (url: string) => autocannon({ url, connections: CONNECTIONS, duration, headers: { 'x-api-key': BENCH_API_KEY } });
    context.log(`api: bare route, ${duration} s`);
    const baseline = await run(bareUrl);
    context.log(`api: GET /tasks/{id}, ${duration} s`);
    const one = await run(`${service.url}/api/v1/tasks/${ids[0]}`);
    context.log(`api: GET /tasks, ${duration} s`);
    const list = await run(`${service.url}/api/v1/tasks`);

    const rows: BenchRow[] = [];
    for (const [name, result] of [['GET /tasks/{id}', one], ['GET /tasks (20 per page)', list]] as const) {
      rows.push({
        benchmark: 'api',
        measure: `${name} req/s`,
        value: round(result.requests.average, 0),
        baseline: round(baseline.requests.average, 0),
        baselineName: 'bare Hono route, same JSON',
        unit: 'req/s',
        ratio: ratio(baseline.requests.average, result.requests.average),
        target: 'report',
      });
      rows.push({
        benchmark: 'api',
        measure: `${name} p99`,
        value: result.latency.p99,
        baseline: baseline.latency.p99,
        baselineName: 'bare Hono route, same JSON',
        unit: 'ms',
        ratio: baseline.latency.p99 > 0 ? ratio(result.latency.p99, baseline.latency.p99) : null,
        target: 'report',
      });
    }
    const summary = (result: Awaited<ReturnType<typeof run>>) => ({
      requestsPerSecond: result.requests.average,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    });
    return { rows, details: { connections: CONNECTIONS, durationSeconds: duration, storedTasks: STORED_TASKS, bare: summary(baseline), getTask: summary(one), listTasks: summary(list) } };
  } finally {
    if (bare) {
      (bare as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise((resolve) => bare!.close(resolve));
    }
    await service.stop();
    await repo.cleanup();
  }
}
