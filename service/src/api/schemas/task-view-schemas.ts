/**
 * What the API answers about tasks: a task with its attempts, their verify results and scores,
 * a page of tasks, and the figures over all of them. What a request sends is task-schemas.ts.
 */
import { z } from '@hono/zod-openapi';
import { agentNames } from '../../model/agent-names.ts';
import { attemptStopReasons } from '../../model/attempt.ts';
import { taskStrategies } from '../../model/task.ts';
import { attemptStatuses } from '../../model/statuses.ts';
import { AgentSelection } from './agent-schemas.ts';
import { Judgement, JudgeSpec, LimitsSpec, pushModes, SetupSpec, TaskStatus, VerifySpec } from './task-schemas.ts';

export const VerifyResult = z
  .object({
    passed: z.boolean(),
    exitCode: z.number().int().nullable(),
    durationMs: z.number().int(),
    outputTail: z.string(),
    timedOut: z.boolean(),
    errorLines: z.array(z.string()).optional().openapi({ description: 'The first lines of its output that look like an error (at most 5), wherever they were' }),
    protectedChanged: z
      .array(z.string())
      .optional()
      .openapi({ description: 'Protected files (verify.protect) the attempt changed: verify ran with them as the base commit has them, and the attempt ranks below every attempt that left them alone' }),
  })
  .openapi('VerifyResult');

export const AttemptScore = z
  .object({
    rank: z.number().int().openapi({ description: '1 = winner' }),
    key: z.array(z.number()).openapi({ description: 'The ranking key, compared left to right' }),
    reasons: z.array(z.string()),
  })
  .openapi('AttemptScore');

export const Attempt = z
  .object({
    label: z.string().openapi({ example: 'claude-1' }),
    agent: z.enum(agentNames),
    model: z.string().nullable(),
    status: z.enum(attemptStatuses),
    branch: z.string(),
    worker: z.string().nullable().openapi({ description: "The service instance that runs or ran the attempt (KAGE_WORKER_NAME)" }),
    exitCode: z.number().int().nullable(),
    costUsd: z.number().nullable(),
    inputTokens: z.number().int().nullable(),
    outputTokens: z.number().int().nullable(),
    sessionId: z.string().nullable(),
    finalMessage: z.string().nullable(),
    filesChanged: z.array(z.string()),
    insertions: z.number().int().nullable(),
    deletions: z.number().int().nullable(),
    headCommit: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    verify: VerifyResult.nullable(),
    score: AttemptScore.nullable(),
    error: z.string().nullable(),
    stderrTail: z.string().nullable().openapi({ description: "The last few KB the agent's process wrote to stderr" }),
    stopReason: z
      .enum(attemptStopReasons)
      .nullable()
      .openapi({ description: 'Why the attempt was stopped before its agent finished: timeout, cancelled, budget, or a sandbox limit (disk_limit, process_limit, memory_limit, file_size_limit)' }),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .openapi('Attempt');

export const Task = z
  .object({
    id: z.uuid(),
    description: z.string(),
    status: TaskStatus,
    repository: z.object({
      path: z.string().openapi({ description: "The repository's top level; for a URL, this machine's mirror of it" }),
      url: z.string().nullable(),
      credential: z.string().nullable(),
      baseRef: z.string(),
      baseCommit: z.string(),
    }),
    push: z.enum(pushModes),
    pullRequest: z
      .object({ url: z.string(), number: z.number().int(), agent: z.string(), branch: z.string(), targetBranch: z.string(), forge: z.string() })
      .nullable()
      .openapi({ description: 'The pull request opened for this task (POST …/pull-request)' }),
    agents: z.array(Attempt),
    verify: VerifySpec.nullable(),
    setup: SetupSpec.nullable().openapi({ description: "The task's own setup (a repository's .kage.json applies in each attempt)" }),
    limits: LimitsSpec.nullable().openapi({ description: "The task's own attempt limits (the service's defaults apply to the rest)" }),
    judge: JudgeSpec.nullable(),
    strategy: z.enum(taskStrategies),
    selection: AgentSelection.nullable().openapi({ description: "How pick chose the agents from this repository's history; null when the request named them" }),
    strategyResult: z
      .object({
        race: z
          .object({
            winner: z.string(),
            verifiedAfterMs: z.number().int().openapi({ description: 'From the task\'s start to the first verified attempt' }),
            cancelled: z.array(z.object({ label: z.string(), costUsd: z.number().nullable() })).optional().openapi({ description: 'The attempts the race stopped, with what each had spent' }),
            cancelledCostUsd: z.number().optional(),
          })
          .optional(),
        cascade: z
          .object({
            tier: z.number().int().openapi({ description: 'The last tier that started' }),
            passedTier: z.number().int().nullable().optional().openapi({ description: 'The tier whose attempt passed verify; null: none did' }),
            tiers: z.array(z.object({ tier: z.number().int(), agents: z.array(z.string()), outcome: z.enum(['pending', 'running', 'passed', 'failed', 'skipped', 'not_needed']) })),
          })
          .optional(),
      })
      .nullable()
      .openapi({ description: "How a race or a cascade went (null for strategy all)" }),
    judgement: Judgement.nullable().openapi({ description: "The judge's verdict once the task is ranked; its cost is in totalCostUsd" }),
    budgetUsd: z.number().nullable(),
    winner: z.string().nullable().openapi({ description: 'Label of the best attempt, once ranked' }),
    winnerPassedVerify: z
      .boolean()
      .nullable()
      .openapi({ description: 'Whether the winner passed the verify command; null without a winner or a verify command' }),
    totalCostUsd: z.number(),
    error: z.string().nullable(),
    cancelRequested: z.boolean(),
    createdBy: z.string().openapi({ description: 'The id of the API key that submitted the task (GET /keys lists ids)' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    links: z.object({
      self: z.string(),
      events: z.string(),
      progress: z.string(),
      review: z.string().openapi({ description: 'The task\'s review page (attempts side by side, diffs, merge), for people' }),
    }),
  })
  .openapi('Task');
export type Task = z.infer<typeof Task>;

export const TaskList = z
  .object({ items: z.array(Task), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() })
  .openapi('TaskList');

export const TaskStats = z
  .object({
    byStatus: z.record(TaskStatus, z.number().int()),
    total: z.number().int(),
    runningAgents: z.number().int(),
    totalCostUsd: z.number(),
    meanDurationMs: z.number().nullable().openapi({ description: 'Mean duration of finished tasks' }),
    selection: z
      .object({
        verifiedTasks: z.number().int().openapi({ description: 'Finished tasks with a verify command' }),
        tasksWithAPassingAttempt: z.number().int(),
        tasksWhoseWinnerPassed: z.number().int(),
        pickedRight: z.number().nullable().openapi({ description: 'The share of tasks with a passing attempt whose winner passed; null before any' }),
      })
      .openapi({ description: 'How well the ranking picks, over finished tasks that have a verify command' }),
  })
  .openapi('TaskStats');
