/**
 * Scale-out: 1, 2, 4 and 8 service processes (2 task slots and 4 attempt slots each) on one
 * PostgreSQL, the same burst of URL tasks on a loopback git server for each, beside two
 * baselines from the same run: the same load on ONE instance with as many slots as eight have
 * together, and pg-boss alone (send, then fetch + complete) on the same server. Nothing asserts:
 * the figures, and whether any attempt was lost or run twice, are printed and kept.
 */
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, runGitIn } from '../../test/support/git-repo.ts';
import { startGitHttpServer } from '../../test/support/git-http-server.ts';
import { createBigRepo } from '../support/big-repo.ts';
import type { BenchContext, BenchRow, ScenarioResult } from '../support/context.ts';
import { measurePgBoss } from '../support/pgboss-raw.ts';
import { ratio, round } from '../support/stats.ts';
import { runScaleOutStep, type StepFigures, type StepLoad } from './scale-out-step.ts';

const TASK_SLOTS = 2;
const ATTEMPT_SLOTS = 4;
const TOKEN = 'bench-token-0123456789';

export async function scaleOut(context: BenchContext): Promise<ScenarioResult> {
  const quick = context.options.quick;
  const counts = quick ? [1, 4] : [1, 2, 4, 8];
  const load: StepLoad = quick ? { tasks: 8, agentsPerTask: 4, linesPerAgent: 5 } : { tasks: 24, agentsPerTask: 4, linesPerAgent: 5 };
  const idleSeconds = quick ? 3 : 6;
  const origin = await createBigRepo(200);
  const serverRoot = await makeTempDir('kage-bench-git-');
  await runGitIn(serverRoot, ['clone', '--quiet', '--bare', origin.path, join(serverRoot, 'app.git')]);
  const server = await startGitHttpServer({ root: serverRoot, users: { bench: TOKEN } });
  const remote = { url: `${server.url}/app.git`, username: 'bench', token: TOKEN };
  const steps: StepFigures[] = [];
  try {
    for (const instances of counts) {
      context.log(`scale-out: ${instances} instance(s), ${load.tasks} tasks × ${load.agentsPerTask} attempts`);
      steps.push(await runScaleOutStep(context, { label: `x${instances}`, instances, taskSlots: TASK_SLOTS, attemptSlots: ATTEMPT_SLOTS, load, remote, idleSeconds }));
      context.log(`scale-out: ${summary(steps.at(-1)!)}`);
    }
    const most = counts.at(-1)!;
    context.log(`scale-out: baseline, one instance with the slots of ${most}`);
    const single = await runScaleOutStep(context, {
      label: 'one-big',
      instances: 1,
      taskSlots: TASK_SLOTS * most,
      attemptSlots: ATTEMPT_SLOTS * most,
      load,
      remote,
      idleSeconds,
    });
    context.log(`scale-out: ${summary(single)}`);
    const jobs = quick ? 300 : 2_000;
    context.log(`scale-out: baseline, pg-boss alone (${jobs} jobs, 8 at a time)`);
    const boss = await measurePgBoss(await context.postgres.createDatabase(), jobs, 8);
    context.log(`scale-out: pg-boss ${round(boss.sendsPerSecond)} sends/s, ${round(boss.fetchCompletesPerSecond)} fetch+complete/s`);
    return {
      rows: rowsOf(steps, single, boss, most),
      details: {
        taskSlots: TASK_SLOTS,
        attemptSlots: ATTEMPT_SLOTS,
        load,
        steps: steps.map((step) => ({ ...step, cpu: cpuShares(step) })),
        singleInstanceBaseline: { ...single, cpu: cpuShares(single) },
        pgBoss: boss,
      },
    };
  } finally {
    await server.stop();
    await origin.cleanup();
    await rm(serverRoot, { recursive: true, force: true });
  }
}

function summary(step: StepFigures): string {
  const peakRss = Math.max(...step.rssMb.map((member) => member.peakRssMb));
  return [
    `${step.label}: ${step.attemptsStartedPerSecond} starts/s`,
    `all started p50 ${step.submitToAllStartedP50Ms} / p99 ${step.submitToAllStartedP99Ms} ms`,
    `queue wait p99 ${step.queueWaitP99Ms} ms`,
    `${step.eventsStoredPerSecond} events/s, ${step.webhooksPerSecond} webhooks/s`,
    `peak ${step.load.peakConnections.total} connections (${step.load.peakActiveConnections} active)`,
    `host CPU busy ${Math.round(step.load.hostCpuBusy * 100)} %`,
    cpuPerAttempt(step),
    `RSS ≤ ${peakRss} MB`,
    `idle: ${step.idle.transactionsPerSecond} transactions/s, PostgreSQL ${step.idle.postgresCpuMsPerSecond} ms CPU/s, services ${step.idle.servicesCpuMsPerSecond} ms CPU/s`,
    `${step.completedTasks} tasks completed, ${step.attemptsNotStartedOnce} not started once, ${step.attemptsNotEndedOnce} not ended once`,
  ].join('; ');
}

/** CPU seconds per attempt by whom, and the share of the host's CPU all of it was over the window. */
export function cpuShares(step: StepFigures) {
  const services = step.serviceCpuSeconds.reduce((sum, member) => sum + member.self, 0);
  const children = step.serviceCpuSeconds.reduce((sum, member) => sum + member.children, 0);
  const postgres = step.load.postgresCpuSeconds;
  const bench = step.benchCpuSeconds.self + step.benchCpuSeconds.children;
  const per = (seconds: number) => round((seconds / step.attempts) * 1000);
  const ours = services + children + postgres + bench;
  return {
    serviceMsPerAttempt: per(services),
    childrenMsPerAttempt: per(children),
    postgresMsPerAttempt: per(postgres),
    gitServerAndBenchMsPerAttempt: per(bench),
    shareOfHost: round(ours / (step.load.windowSeconds * cpus().length), 2),
    transactionsPerAttempt: round(step.load.transactions / step.attempts),
  };
}

function cpuPerAttempt(step: StepFigures): string {
  const shares = cpuShares(step);
  return (
    `CPU ms per attempt: services ${shares.serviceMsPerAttempt}, their children ${shares.childrenMsPerAttempt}, ` +
    `PostgreSQL ${shares.postgresMsPerAttempt}, git server ${shares.gitServerAndBenchMsPerAttempt} (together ${Math.round(shares.shareOfHost * 100)} % of the host); ${shares.transactionsPerAttempt} transactions per attempt`
  );
}

function rowsOf(steps: StepFigures[], single: StepFigures, boss: { sendsPerSecond: number; fetchCompletesPerSecond: number }, most: number): BenchRow[] {
  const one = steps[0]!;
  const rows: BenchRow[] = [];
  for (const step of steps) {
    const name = `${step.instances} instance${step.instances > 1 ? 's' : ''}`;
    const intact = step.attemptsNotStartedOnce === 0 && step.attemptsNotEndedOnce === 0 && step.completedTasks === step.tasks && step.attempts === step.expectedAttempts;
    rows.push(
      {
        benchmark: 'scale-out',
        measure: `${name}: attempts started/s (${step.attempts} attempts, ${intact ? 'each started and ended once' : 'LOST OR TWICE'})`,
        value: step.attemptsStartedPerSecond,
        baseline: one.attemptsStartedPerSecond,
        baselineName: '1 instance',
        unit: '/s',
        ratio: ratio(one.attemptsStartedPerSecond, step.attemptsStartedPerSecond),
        target: step.instances === 8 ? '≥ 6× 1 instance (≤ 0.167×)' : 'report',
      },
      {
        benchmark: 'scale-out',
        measure: `${name}: submit → all of a task's attempts started, p99 (p50 ${step.submitToAllStartedP50Ms} ms)`,
        value: step.submitToAllStartedP99Ms,
        baseline: one.submitToAllStartedP99Ms,
        baselineName: '1 instance',
        unit: 'ms',
        ratio: ratio(step.submitToAllStartedP99Ms, one.submitToAllStartedP99Ms),
        target: 'report',
      },
      {
        benchmark: 'scale-out',
        measure: `${name}: events stored/s (webhooks ${step.webhooksPerSecond}/s, queue wait p99 ${step.queueWaitP99Ms} ms)`,
        value: step.eventsStoredPerSecond,
        baseline: one.eventsStoredPerSecond,
        baselineName: '1 instance',
        unit: '/s',
        ratio: ratio(one.eventsStoredPerSecond, step.eventsStoredPerSecond),
        target: 'report',
      },
      {
        benchmark: 'scale-out',
        measure: `${name}: PostgreSQL connections at peak (host CPU busy ${Math.round(step.load.hostCpuBusy * 100)} %, RSS ≤ ${Math.max(...step.rssMb.map((m) => m.peakRssMb))} MB each)`,
        value: step.load.peakConnections.total,
        baseline: one.load.peakConnections.total,
        baselineName: '1 instance',
        unit: 'connections',
        ratio: ratio(step.load.peakConnections.total, one.load.peakConnections.total),
        target: 'report',
      },
    );
  }
  const widest = steps.at(-1)!;
  rows.push(
    {
      benchmark: 'scale-out',
      measure: `${most} instances beside 1 instance with ${most}× the slots: attempts started/s`,
      value: widest.attemptsStartedPerSecond,
      baseline: single.attemptsStartedPerSecond,
      baselineName: `1 instance, ${single.attemptSlotsInAll} attempt slots`,
      unit: '/s',
      ratio: ratio(single.attemptsStartedPerSecond, widest.attemptsStartedPerSecond),
      target: 'report',
    },
    {
      benchmark: 'scale-out',
      measure: 'pg-boss alone: fetch + complete/s, 8 at a time (beside the most attempts started/s)',
      value: round(boss.fetchCompletesPerSecond),
      baseline: Math.max(...steps.map((step) => step.attemptsStartedPerSecond)),
      baselineName: 'attempts started/s, best step',
      unit: '/s',
      ratio: null,
      target: 'headroom',
    },
    {
      benchmark: 'scale-out',
      measure: 'pg-boss alone: sends/s, 8 at a time',
      value: round(boss.sendsPerSecond),
      baseline: null,
      baselineName: '',
      unit: '/s',
      ratio: null,
      target: 'report',
    },
  );
  return rows;
}
