/**
 * Running a task's judge once its attempts have ended: an agent CLI in its read-only mode, in
 * an empty folder of its own inside the sandbox, given the task and each candidate's diff,
 * verify result and final message. Its verdict (or why there is none) goes into the ranking
 * (task-ending.ts decides when a task is judged, and by which instance).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runAgentProcess } from '../agents/agent-process.ts';
import type { AgentRegistry } from '../agents/agent-registry.ts';
import { runCost } from '../agents/price-table.ts';
import { attemptTag } from '../agents/process-tag.ts';
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import { taskShortId } from '../git/attempt-branch.ts';
import { git } from '../git/git-command.ts';
import type { Logger } from '../logger.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { type Candidate, type Judgement, judgePrompt, readVerdict } from './judge-verdict.ts';
import { failSpan, inSpan, setSpanFields } from '../tracing/spans.ts';
import { agentFields, COST_USD, TASK_ID } from '../tracing/span-fields.ts';

export interface TaskJudgeDeps {
  agents: AgentRegistry;
  sandbox: Sandbox;
  dataDir: string;
  instanceTag: string;
  logger: Logger;
}

const DIFF_BYTES = 200_000;

export class TaskJudge {
  private readonly deps: TaskJudgeDeps;

  constructor(deps: TaskJudgeDeps) {
    this.deps = deps;
  }

  /** Runs the judge's CLI on the candidates and returns its judgement, or why there is none (never throws). */
  async judge(task: TaskRecord, runs: readonly AttemptRecord[], candidates: string[], signal: AbortSignal): Promise<Judgement> {
    const settings = task.config.judge!;
    // Traced (tracing on) as its own span in the task's trace: an agent run, with its verdict.
    const fields = { [TASK_ID]: task.id, ...agentFields(settings.agent, settings.model), 'kage.judge.candidates': candidates.length };
    return inSpan('judge', fields, async (span) => {
      const judgement = await this.judgeWith(task, runs, candidates, signal);
      setSpanFields(span, { [COST_USD]: judgement.costUsd, 'kage.judge.order': judgement.order.length > 0 ? judgement.order : undefined });
      if (judgement.error) failSpan(span, judgement.error, 'judge_failed');
      return judgement;
    });
  }

  private async judgeWith(task: TaskRecord, runs: readonly AttemptRecord[], candidates: string[], signal: AbortSignal): Promise<Judgement> {
    const settings = task.config.judge!;
    const adapter = this.deps.agents.get(settings.agent);
    const binary = this.deps.agents.resolveBinary(settings.agent);
    const failed = (error: string, costUsd: number | null = null): Judgement => ({ agent: settings.agent, candidates, order: [], verdicts: [], error, costUsd });
    if (!binary) return failed(`${adapter.binaryName} is not installed: ${adapter.installHint}`);
    const folder = join(resolve(this.deps.dataDir), 'judges', taskShortId(task.id));
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
    const sandbox = await this.deps.sandbox.forAttempt({ name: `${taskShortId(task.id)}-judge`, agent: settings.agent, worktree: folder, limits: task.config.limits });
    try {
      const prompt = judgePrompt(task.description, await this.candidates(task, runs, candidates));
      const result = await runAgentProcess({
        invocation: adapter.invocation({ prompt, worktree: folder, model: settings.model, extraArgs: [], readOnly: true, confined: sandbox !== undefined }, binary),
        cwd: folder,
        parser: adapter.createParser({ model: settings.model }),
        timeoutMs: settings.timeoutSeconds * 1000,
        signal,
        processTag: attemptTag(task.id, 'judge', this.deps.instanceTag),
        confinement: sandbox,
      });
      const { outcome } = result;
      const costUsd = runCost({ agent: settings.agent, model: settings.model, reportsCost: adapter.reportsCost }, outcome);
      if (result.timedOut) return failed(`the judge timed out after ${settings.timeoutSeconds} s`, costUsd);
      if (result.exitCode !== 0 || !outcome.succeeded) return failed(`the judge failed: ${outcome.error ?? result.startError ?? `exit code ${result.exitCode ?? result.signal}`}`, costUsd);
      try {
        return { agent: settings.agent, candidates, ...readVerdict(outcome.finalMessage ?? '', candidates), error: null, costUsd };
      } catch (error) {
        return failed((error as Error).message, costUsd);
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, taskId: task.id }, 'the judge could not run');
      return failed(`the judge could not run: ${(error as Error).message}`);
    } finally {
      await sandbox?.dispose();
      await rm(folder, { recursive: true, force: true });
    }
  }

  /** Each candidate's diff (from the base commit), verify result and final message, as the judge reads them. */
  private async candidates(task: TaskRecord, runs: readonly AttemptRecord[], labels: readonly string[]): Promise<Candidate[]> {
    const chosen = runs.filter((run) => labels.includes(run.label));
    return Promise.all(
      chosen.map(async (run) => ({
        label: run.label,
        diff: run.headCommit ? await git(task.repositoryPath, ['diff', '--no-ext-diff', '--no-textconv', '--no-color', task.baseCommit, run.headCommit], { maxOutput: DIFF_BYTES }) : '',
        verify: (run.verify as { passed: boolean; outputTail: string } | null) ?? null,
        finalMessage: run.finalMessage,
      })),
    );
  }
}
