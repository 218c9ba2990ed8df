/**
 * Event latency: one agent prints timestamped lines at a steady pace; each line's delay until
 * an SSE client and a webhook receiver see it. Baselines, in the same run: for SSE, a reader that
 * polls the events table once a second as the seed's SSE endpoint did, reading the same task at
 * the same time; for webhooks, a bare local HTTP POST round trip (what a delivery costs at least).
 */
import type { Db } from '../../service/src/db/db.ts';
import { stampAgentSpec, type BenchContext, type BenchRow, type ScenarioResult } from '../support/context.ts';
import { createBigRepo } from '../support/big-repo.ts';
import { BENCH_API_KEY, openBenchDb, startBenchService, submitTask, waitForTaskEnd } from '../support/service.ts';
import { openSse } from '../support/sse-client.ts';
import { now, parseStamp, percentile, ratio, round } from '../support/stats.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const stampPattern = /stamp \d+ \d+/;

export async function eventLatency(context: BenchContext): Promise<ScenarioResult> {
  const lines = context.options.quick ? 500 : 2_000;
  const intervalMs = 5;
  const repo = await createBigRepo(10);
  const db = await openBenchDb('postgres', context.postgres);
  const service = await startBenchService({ db, workers: 2 });
  const sseDelays = new Map<number, number>();
  const hookDelays = new Map<number, number>();
  const receiver = await startWebhookReceiver((hook) => {
    const stamp = findStamp(JSON.stringify(hook.body.data));
    if (stamp && !hookDelays.has(stamp.index)) hookDelays.set(stamp.index, hook.at - stamp.at);
  });
  try {
    context.log(`event latency: ${lines} lines, ${intervalMs} ms apart`);
    const taskId = await submitTask(service, {
      description: 'event latency benchmark',
      repository: { path: repo.path },
      agents: [stampAgentSpec(lines, intervalMs)],
      callbacks: [{ url: receiver.url, events: ['agent.progress'] }],
    });
    const polled = pollOncePerSecond(service.services.db, taskId);
    const sse = await openSse(`${service.url}/api/v1/tasks/${taskId}/progress`, { 'x-api-key': BENCH_API_KEY }, (event) => {
      const at = now();
      const stamp = findStamp(event.data);
      if (stamp && !sseDelays.has(stamp.index)) sseDelays.set(stamp.index, at - stamp.at);
    });
    await waitForTaskEnd(service, taskId);
    await waitFor(() => hookDelays.size >= lines && sseDelays.size >= lines, 60_000);
    sse.stop();
    await sse.done;
    const pollDelays = await polled.stop();

    const postDelays = await barePosts(lines);
    const sse50 = percentile([...sseDelays.values()], 50);
    const hook50 = percentile([...hookDelays.values()], 50);
    const rows: BenchRow[] = [
      row('SSE p50', sse50, percentile(pollDelays, 50), 'seed-style 1 s polling p50', '≤ 20 ms'),
      row('SSE p99', percentile([...sseDelays.values()], 99), percentile(pollDelays, 99), 'seed-style 1 s polling p99', ''),
      row('webhook p50', hook50, percentile(postDelays, 50), 'bare local HTTP POST round trip p50', '≤ 50 ms'),
      row('webhook p99', percentile([...hookDelays.values()], 99), percentile(postDelays, 99), 'bare local HTTP POST round trip p99', ''),
    ];
    return {
      rows,
      details: {
        lines,
        intervalMs,
        sseReceived: sseDelays.size,
        polledReceived: pollDelays.length,
        webhooksReceived: hookDelays.size,
        sseMaxMs: Math.max(...sseDelays.values()),
        webhookMaxMs: Math.max(...hookDelays.values()),
        clockResolutionMs: 1,
      },
    };
  } finally {
    await receiver.close();
    await service.stop();
    await repo.cleanup();
  }
}

function row(measure: string, value: number, baseline: number, baselineName: string, target: string): BenchRow {
  return { benchmark: 'event latency', measure, value: round(value, 2), baseline: round(baseline, 2), baselineName, unit: 'ms', ratio: baseline > 0 ? ratio(value, baseline) : null, target };
}

function findStamp(text: string) {
  const match = stampPattern.exec(text);
  return match ? parseStamp(match[0]) : undefined;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The seed's SSE loop: every second, read the task's events after the last seen seq. */
function pollOncePerSecond(db: Db, taskId: string): { stop(): Promise<number[]> } {
  const delays: number[] = [];
  let lastSeq = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const rows = await db.query<{ seq: number; message: string | null }>(
        "SELECT seq, data->>'message' AS message FROM progress_events WHERE task_id = $1 AND seq > $2 ORDER BY seq",
        [taskId, lastSeq],
      );
      const at = now();
      for (const event of rows) {
        lastSeq = event.seq;
        const stamp = findStamp(event.message ?? '');
        if (stamp) delays.push(at - stamp.at);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return delays;
    },
  };
}

/** POSTs a small JSON body to a local receiver: ms from before fetch to its answer, one at a time. */
async function barePosts(count: number): Promise<number[]> {
  const delays: number[] = [];
  const receiver = await startWebhookReceiver();
  try {
    for (let i = 0; i < count; i += 1) {
      const sent = performance.now();
      const response = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'agent.progress', timestamp: new Date().toISOString(), data: { i } }) });
      await response.arrayBuffer();
      delays.push(performance.now() - sent);
    }
  } finally {
    await receiver.close();
  }
  return delays;
}
