/**
 * One step of the scale-out benchmark: `instances` service processes on a fresh database of the
 * benchmark's PostgreSQL, a burst of URL tasks (fake agents that print a few lines and exit)
 * submitted round-robin across them, and what it took: attempt starts per second, submit → all
 * of a task's attempts started, queue wait, events stored and webhooks delivered per second,
 * connections, RSS and CPU, and whether every attempt started and ended exactly once.
 */
import type { Db } from '../../service/src/db/db.ts';
import { finishedTaskStatuses } from '../../service/src/model/statuses.ts';
import { runMigrations } from '../../service/src/db/migrations.ts';
import { PostgresDriver } from '../../service/src/db/postgres-driver.ts';
import { stampAgentSpec, type BenchContext } from '../support/context.ts';
import { BENCH_APPLICATION, startLoadSampler, processCpuSeconds, type LoadFigures } from '../support/load-sampler.ts';
import { startServiceFleet, type FleetMember } from '../support/service-fleet.ts';
import { submitTask } from '../support/service.ts';
import { percentile, round } from '../support/stats.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const MB = 1024 * 1024;

export interface StepLoad {
  tasks: number;
  agentsPerTask: number;
  linesPerAgent: number;
}

export interface StepOptions {
  label: string;
  instances: number;
  taskSlots: number;
  attemptSlots: number;
  load: StepLoad;
  /** More environment for every instance (e.g. NODE_OPTIONS for a profile). */
  env?: Record<string, string>;
  /** How long the instances are watched idle before the load (what each costs while waiting for work). */
  idleSeconds: number;
  /** The loopback git server's repository and the credential the services use for it. */
  remote: { url: string; username: string; token: string };
}

export interface StepFigures {
  label: string;
  instances: number;
  attemptSlotsInAll: number;
  tasks: number;
  expectedAttempts: number;
  attempts: number;
  completedTasks: number;
  attemptsStartedPerSecond: number;
  submitToAllStartedP50Ms: number;
  submitToAllStartedP99Ms: number;
  submitToLastTaskEndMs: number;
  queueWaitP50Ms: number;
  queueWaitP99Ms: number;
  attemptPhasesP50Ms: { jobStartToAgentStarted: number; agentRun: number; agentEndToJobCompleted: number };
  eventsStored: number;
  eventsStoredPerSecond: number;
  webhooksReceived: number;
  webhooksPerSecond: number;
  deliveriesSettled: boolean;
  /** Attempts whose agent.started (or whose end event) was stored other than exactly once. */
  attemptsNotStartedOnce: number;
  attemptsNotEndedOnce: number;
  attemptsByWorker: Record<string, number>;
  load: LoadFigures;
  idle: IdleFigures;
  rssMb: Array<{ name: string; peakRssMb: number }>;
  serviceCpuSeconds: Array<{ name: string; self: number; children: number }>;
  /** The benchmark process (git server, webhook receiver, sampler) and its children (git http-backend) over the same window. */
  benchCpuSeconds: { name: string; self: number; children: number };
}

export async function runScaleOutStep(context: BenchContext, options: StepOptions): Promise<StepFigures> {
  const databaseUrl = await context.postgres.createDatabase();
  const benchUrl = new URL(databaseUrl);
  benchUrl.searchParams.set('application_name', BENCH_APPLICATION);
  const db = new PostgresDriver(benchUrl.toString(), 2);
  await runMigrations(db);
  const fleet = await startServiceFleet({
    databaseUrl,
    instances: options.instances,
    taskSlots: options.taskSlots,
    attemptSlots: options.attemptSlots,
    namePrefix: options.label,
    ...(options.env ? { env: options.env } : {}),
  });
  const receiver = await startWebhookReceiver();
  try {
    const [first] = fleet.members;
    const stored = await first!.request('/api/v1/git-credentials', {
      method: 'POST',
      json: { name: 'bench', host: '127.0.0.1', username: options.remote.username, token: options.remote.token },
    });
    if (stored.status !== 201) throw new Error(`storing the git credential answered ${stored.status}: ${await stored.text()}`);
    const repository = { url: options.remote.url, credential: 'bench', baseRef: 'main' };
    // push none: the pushes would measure the git server, not the service's coordination.
    const taskBody = (description: string, agents: number, callbacks: boolean) => ({
      description,
      repository,
      push: 'none',
      agents: Array.from({ length: agents }, () => stampAgentSpec(options.load.linesPerAgent, 0)),
      ...(callbacks ? { callbacks: [{ url: receiver.url }] } : {}),
    });
    // Warm-up: each instance's first attempts clone the remote into its mirror and load its code paths.
    const warmIds = await Promise.all(fleet.members.map((member, i) => submitTask(member, taskBody(`warm-up ${i}`, 2, false))));
    await waitForTasks(db, warmIds, 120_000);
    const idle = await measureIdle(databaseUrl, fleet.members, options.idleSeconds);

    const cpuBefore = fleet.members.map((member) => processCpuSeconds(member.process.pid!));
    const sampler = await startLoadSampler(databaseUrl);
    // The benchmark's own process serves git and receives the webhooks: its CPU is part of the load too.
    const benchCpuBefore = processCpuSeconds(process.pid);
    const t0 = Date.now();
    const submittedAt = new Map<string, number>();
    const ids = await Promise.all(
      Array.from({ length: options.load.tasks }, async (_, i) => {
        const at = Date.now();
        const id = await submitTask(fleet.members[i % fleet.members.length]!, taskBody(`scale-out ${i}`, options.load.agentsPerTask, true));
        submittedAt.set(id, at);
        return id;
      }),
    );
    await waitForTasks(db, ids, 300_000);
    const lastTaskEndMs = Date.now() - t0;
    const deliveriesSettled = await waitForDeliveries(db, ids, 120_000);
    const load = await sampler.stop();
    const benchCpuAfter = processCpuSeconds(process.pid);
    const cpuAfter = fleet.members.map((member) => processCpuSeconds(member.process.pid!));
    const figures = await readFigures(db, ids, submittedAt, t0);
    const webhookTimes = receiver.received.map((hook) => hook.at);
    const webhooksSeconds = (Math.max(...webhookTimes) - t0) / 1000;
    return {
      label: options.label,
      instances: options.instances,
      attemptSlotsInAll: options.instances * options.attemptSlots,
      tasks: options.load.tasks,
      expectedAttempts: options.load.tasks * options.load.agentsPerTask,
      ...figures,
      submitToLastTaskEndMs: lastTaskEndMs,
      webhooksReceived: receiver.received.length,
      webhooksPerSecond: round(receiver.received.length / webhooksSeconds),
      deliveriesSettled,
      load,
      idle,
      rssMb: await Promise.all(fleet.members.map(async (member) => ({ name: member.name, peakRssMb: round((await member.memory()).peakRss / MB) }))),
      serviceCpuSeconds: fleet.members.map((member, i) => cpuDelta(member, cpuBefore[i], cpuAfter[i])),
      benchCpuSeconds: cpuDelta({ name: 'bench' }, benchCpuBefore, benchCpuAfter),
    };
  } finally {
    await receiver.close();
    await fleet.stop();
    await db.close();
  }
}

async function readFigures(db: Db, ids: string[], submittedAt: Map<string, number>, t0: number) {
  const attempts = await db.query<{ task_id: string; label: string; worker: string | null; starts: number; ends: number; started_ms: number | null }>(
    `SELECT r.task_id, r.label, r.worker,
            (count(e.seq) FILTER (WHERE e.type = 'agent.started'))::int AS starts,
            (count(e.seq) FILTER (WHERE e.type IN ('agent.completed', 'agent.failed')))::int AS ends,
            (EXTRACT(EPOCH FROM min(e.created_at) FILTER (WHERE e.type = 'agent.started')) * 1000)::float8 AS started_ms
       FROM agent_runs r LEFT JOIN progress_events e ON e.task_id = r.task_id AND e.agent_label = r.label
      WHERE r.task_id = ANY($1::uuid[])
      GROUP BY r.task_id, r.label, r.worker`,
    [ids],
  );
  const [events] = await db.query<{ total: number; last_ms: number }>(
    `SELECT count(*)::int AS total, (EXTRACT(EPOCH FROM max(created_at)) * 1000)::float8 AS last_ms FROM progress_events WHERE task_id = ANY($1::uuid[])`,
    [ids],
  );
  // Where an attempt's time goes: waiting in the queue, its job's start → agent.started (mirror,
  // worktree, sandbox), the agent's run, and its end → the job completed (commit, diff, recording).
  const waits = await db.query<{ wait_ms: number; setup_ms: number | null; run_ms: number | null; finish_ms: number | null }>(
    `WITH ev AS (
       SELECT task_id, agent_label, min(created_at) FILTER (WHERE type = 'agent.started') AS started,
              max(created_at) FILTER (WHERE type IN ('agent.completed', 'agent.failed')) AS ended
         FROM progress_events WHERE task_id = ANY($1::uuid[]) GROUP BY task_id, agent_label)
     SELECT (EXTRACT(EPOCH FROM j.started_on - j.created_on) * 1000)::float8 AS wait_ms,
            (EXTRACT(EPOCH FROM ev.started - j.started_on) * 1000)::float8 AS setup_ms,
            (EXTRACT(EPOCH FROM ev.ended - ev.started) * 1000)::float8 AS run_ms,
            (EXTRACT(EPOCH FROM j.completed_on - ev.ended) * 1000)::float8 AS finish_ms
       FROM pgboss.job j JOIN ev ON ev.task_id::text = j.data->>'taskId' AND ev.agent_label = j.data->>'label'
      WHERE j.name LIKE 'kage-attempts%' AND j.started_on IS NOT NULL`,
    [ids],
  );
  const [tasks] = await db.query<{ completed: number }>(
    `SELECT (count(*) FILTER (WHERE status = 'completed'))::int AS completed FROM tasks WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const startTimes = attempts.map((attempt) => attempt.started_ms).filter((ms): ms is number => ms !== null);
  const allStarted = new Map<string, number>();
  for (const attempt of attempts) allStarted.set(attempt.task_id, Math.max(allStarted.get(attempt.task_id) ?? 0, attempt.started_ms ?? Number.NaN));
  const submitToAllStarted = ids.map((id) => allStarted.get(id)! - submittedAt.get(id)!);
  const byWorker: Record<string, number> = {};
  for (const attempt of attempts) byWorker[attempt.worker ?? '(none)'] = (byWorker[attempt.worker ?? '(none)'] ?? 0) + 1;
  const waitMs = waits.map((row) => row.wait_ms);
  const p50Of = (key: 'setup_ms' | 'run_ms' | 'finish_ms') => round(percentile(waits.map((row) => row[key]).filter((ms): ms is number => ms !== null), 50));
  return {
    attempts: attempts.length,
    completedTasks: tasks!.completed,
    attemptsStartedPerSecond: round(startTimes.length / ((Math.max(...startTimes) - t0) / 1000), 2),
    submitToAllStartedP50Ms: round(percentile(submitToAllStarted, 50)),
    submitToAllStartedP99Ms: round(percentile(submitToAllStarted, 99)),
    queueWaitP50Ms: round(percentile(waitMs, 50)),
    queueWaitP99Ms: round(percentile(waitMs, 99)),
    attemptPhasesP50Ms: { jobStartToAgentStarted: p50Of('setup_ms'), agentRun: p50Of('run_ms'), agentEndToJobCompleted: p50Of('finish_ms') },
    eventsStored: events!.total,
    eventsStoredPerSecond: round(events!.total / ((events!.last_ms - t0) / 1000)),
    attemptsNotStartedOnce: attempts.filter((attempt) => attempt.starts !== 1).length,
    attemptsNotEndedOnce: attempts.filter((attempt) => attempt.ends !== 1).length,
    attemptsByWorker: byWorker,
  };
}

export interface IdleFigures {
  seconds: number;
  transactionsPerSecond: number;
  postgresCpuMsPerSecond: number;
  servicesCpuMsPerSecond: number;
}

/** The fleet with nothing to do: the database's transactions and CPU, and the services' CPU, per second. */
async function measureIdle(databaseUrl: string, members: FleetMember[], seconds: number): Promise<IdleFigures> {
  // Let the warm-up's webhook retries and pool churn settle first.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const before = members.map((member) => processCpuSeconds(member.process.pid!));
  const sampler = await startLoadSampler(databaseUrl, 1_000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const figures = await sampler.stop();
  const after = members.map((member) => processCpuSeconds(member.process.pid!));
  const services = members.reduce((sum, _, i) => sum + (after[i]?.self ?? 0) - (before[i]?.self ?? 0), 0);
  return {
    seconds: figures.windowSeconds,
    transactionsPerSecond: round(figures.transactions / figures.windowSeconds),
    postgresCpuMsPerSecond: round((figures.postgresCpuSeconds * 1000) / figures.windowSeconds),
    servicesCpuMsPerSecond: round((services * 1000) / figures.windowSeconds),
  };
}

function cpuDelta(member: Pick<FleetMember, 'name'>, before: { self: number; children: number } | undefined, after: { self: number; children: number } | undefined) {
  return { name: member.name, self: round((after?.self ?? 0) - (before?.self ?? 0), 2), children: round((after?.children ?? 0) - (before?.children ?? 0), 2) };
}

async function waitForTasks(db: Db, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.query<{ open: number }>(
      'SELECT count(*)::int AS open FROM tasks WHERE id = ANY($1::uuid[]) AND NOT (status = ANY($2::text[]))',
      [ids, [...finishedTaskStatuses]],
    );
    if (row!.open === 0) return;
    if (Date.now() > deadline) throw new Error(`${row!.open} of ${ids.length} tasks still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
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
