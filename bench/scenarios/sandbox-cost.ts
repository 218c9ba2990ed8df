/**
 * What the sandbox costs: one attempt's start (its sandbox prepared, bubblewrap placed in its
 * cgroup, the agent's first line) against the same agent started unconfined; and whole tasks
 * (a 3-agent fan-out, a 2,000-line event run) on a service with the sandbox on beside one with
 * it off, in the same run.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runAgentProcess } from '../../service/src/agents/agent-process.ts';
import { Sandbox } from '../../service/src/sandbox/sandbox.ts';
import { defaultAttemptLimits } from '../../service/src/model/attempt-limits.ts';
import { defaultHomeBinds } from '../../service/src/sandbox/sandbox-settings.ts';
import { createTestRepo, makeTempDir } from '../../test/support/git-repo.ts';
import { type BenchContext, type BenchRow, type ScenarioResult, stampAgentSpec } from '../support/context.ts';
import { openBenchDb, startBenchService, submitTask, waitForTaskEnd, type BenchService } from '../support/service.ts';
import { median, ratio, round } from '../support/stats.ts';

const execFileAsync = promisify(execFile);
const firstLine = { parseLine: () => ({ kind: 'text', message: 'started' }), finish: () => ({ succeeded: true }) };

export async function sandboxCost(context: BenchContext): Promise<ScenarioResult> {
  const repetitions = context.options.quick ? 5 : 15;
  const repo = await createTestRepo();
  const dataDir = await makeTempDir('kage-bench-sandbox-');
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  try {
    const worktree = join(dataDir, 'worktree');
    await execFileAsync('git', ['worktree', 'add', '-q', '-b', 'bench/sandbox', worktree], { cwd: repo.path });
    const sandbox = await Sandbox.start({ mode: 'bwrap', limits: defaultAttemptLimits, homeBinds: defaultHomeBinds, readPaths: [] }, dataDir);
    const invocation = { file: process.execPath, args: ['-e', "console.log('started')"], env: {} };
    const starts = { confined: [] as number[], unconfined: [] as number[] };
    for (let i = 0; i < repetitions; i += 1) {
      let started = performance.now();
      const attempt = await sandbox.forAttempt({ name: `bench-${i}`, agent: 'command', worktree, limits: undefined });
      await runAgentProcess({ invocation, cwd: worktree, parser: firstLine, confinement: attempt });
      await attempt?.dispose();
      starts.confined.push(performance.now() - started);
      started = performance.now();
      await runAgentProcess({ invocation, cwd: worktree, parser: firstLine });
      starts.unconfined.push(performance.now() - started);
    }
    details.attemptStart = { ...starts, processLimit: sandbox.status.processLimit, memoryLimit: sandbox.status.memoryLimit };
    const cost = median(starts.confined) - median(starts.unconfined);
    rows.push({
      benchmark: 'sandbox',
      measure: `attempt start: sandbox made, agent run to its end (median of ${repetitions})`,
      value: round(median(starts.confined)),
      baseline: round(median(starts.unconfined)),
      baselineName: 'the same agent unconfined',
      unit: 'ms',
      ratio: ratio(median(starts.confined), median(starts.unconfined)),
      target: `cost ${round(cost)} ms; < 50 ms`,
    });

    const on = await startBenchService({ db: await openBenchDb('pglite', context.postgres), workers: 2, env: { KAGE_SANDBOX: 'bwrap' } });
    const off = await startBenchService({ db: await openBenchDb('pglite', context.postgres), workers: 2, env: { KAGE_SANDBOX: 'off' } });
    try {
      const tasks: Array<{ name: string; body: Record<string, unknown> }> = [
        { name: '3 agents: POST → task end', body: { agents: [1, 2, 3].map(() => stampAgentSpec(1, 0)) } },
        { name: '2,000-line event run: POST → task end', body: { agents: [stampAgentSpec(2000, 0)] } },
      ];
      for (const { name, body } of tasks) {
        const samples = { on: [] as number[], off: [] as number[] };
        const runOnce = async (service: BenchService) => {
          const started = performance.now();
          const id = await submitTask(service, { description: name, repository: { path: repo.path }, ...body });
          const task = await waitForTaskEnd(service, id);
          if (task.status !== 'completed') throw new Error(`${name}: task ${String(task.status)}`);
          return performance.now() - started;
        };
        await runOnce(on);
        await runOnce(off);
        for (let i = 0; i < Math.ceil(repetitions / 3); i += 1) {
          samples.on.push(await runOnce(on));
          samples.off.push(await runOnce(off));
        }
        details[name] = samples;
        rows.push({
          benchmark: 'sandbox',
          measure: `${name} (median of ${samples.on.length})`,
          value: round(median(samples.on)),
          baseline: round(median(samples.off)),
          baselineName: 'same service, KAGE_SANDBOX=off',
          unit: 'ms',
          ratio: ratio(median(samples.on), median(samples.off)),
          target: 'overhead',
        });
      }
    } finally {
      await on.stop();
      await off.stop();
    }
  } finally {
    await repo.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
  return { rows, details };
}
