import { z } from '@hono/zod-openapi';
import { type EventType, eventTypes } from '../../events/event-types.ts';

export const EventTypeSchema = z.enum(eventTypes).openapi('EventType');

// Each type's `data`: the fields documented here are what the service sends today; receivers
// should ignore fields they do not know, and the objects stay open for new ones.
const open = <T extends z.ZodRawShape>(name: string, shape: T, description: string) =>
  z.looseObject(shape).openapi(name, { description });

const eventData: Record<EventType, z.ZodType> = {
  'task.queued': open('TaskQueuedData', { agents: z.array(z.string()), baseCommit: z.string() }, 'Stored and queued; the attempt labels it will run'),
  'task.started': open('TaskStartedData', { agents: z.array(z.string()), rerun: z.boolean().optional() }, 'A worker picked the task up (rerun: after a crash)'),
  'agent.started': open('AgentStartedData', { agent: z.string(), model: z.string().nullable() }, 'One attempt started in its worktree'),
  'attempt.setup': open(
    'AttemptSetupData',
    { passed: z.boolean(), copied: z.array(z.string()), exitCode: z.number().nullable(), outputTail: z.string() },
    "An attempt's worktree was made ready before its agent started: files copied, the setup command run",
  ),
  'agent.progress': open(
    'AgentProgressData',
    { kind: z.string().optional(), message: z.string().optional(), costUsd: z.number().optional() },
    'A line of the agent’s output, parsed (message, tool use, cost so far)',
  ),
  'agent.completed': open('AgentCompletedData', { status: z.string().optional(), costUsd: z.number().nullable().optional() }, 'An attempt finished'),
  'agent.failed': open('AgentFailedData', { status: z.string().optional(), error: z.string().optional() }, 'An attempt failed, timed out or was cancelled'),
  'verify.completed': open(
    'VerifyCompletedData',
    { passed: z.boolean().optional(), exitCode: z.number().nullable().optional(), round: z.number().int().optional() },
    'The verify command ran in an attempt’s worktree (in verify-and-fix round `round`)',
  ),
  'attempt.round': open(
    'AttemptRoundData',
    { round: z.number().int(), passed: z.boolean(), next: z.number().int(), headCommit: z.string().nullable() },
    "An attempt's verify failed in this round: its agent goes round `next` with the failure",
  ),
  'attempt.follow_up': open('AttemptFollowUpData', { prompt: z.string() }, 'A finished attempt is continued with a follow-up prompt: the task runs again for it'),
  'attempt.cancelled': open(
    'AttemptCancelledData',
    { reason: z.enum(['race_won']), winner: z.string(), running: z.boolean().openapi({ description: 'false: it had not started, and never will' }) },
    "The task's race was won by another attempt (`winner`, the first to pass verify): this one is stopped at once, its cost frozen at what it spent so far",
  ),
  'tier.started': open(
    'TierStartedData',
    { tier: z.number().int(), agents: z.array(z.string()), after: z.string().nullable().optional().openapi({ description: 'The best failing attempt of the tier before, whose verify output and diff its agents are told' }) },
    "A cascade's tier started: its attempts run (tier 1 at once; a later one when the tier before had no attempt that passed verify)",
  ),
  'tier.failed': open(
    'TierFailedData',
    { tier: z.number().int(), attempts: z.array(z.string()), best: z.string().nullable(), next: z.number().int().nullable() },
    "No attempt of a cascade's tier passed verify; `best` is the attempt the next tier is told about, `next` the tier that starts (null: none is left)",
  ),
  'tier.skipped': open(
    'TierSkippedData',
    { tier: z.number().int(), agents: z.array(z.string()), reason: z.literal('budget'), spentUsd: z.number(), budgetUsd: z.number() },
    "A cascade's tier did not start: the task's budget (budgetUsd, over all tiers) was spent",
  ),
  'task.completed': open(
    'TaskCompletedData',
    {
      winner: z.string().nullable().optional(),
      winnerPassedVerify: z.boolean().nullable().optional().openapi({ description: 'null without a verify command' }),
      verifiedAttempts: z.array(z.string()).optional().openapi({ description: 'The attempts that passed the verify command' }),
      warning: z.string().nullable().optional().openapi({ description: 'Set when the winner did not pass the verify command: it is untested' }),
    },
    'Every attempt ended and a winner (if any) was chosen',
  ),
  'task.failed': open('TaskFailedData', { error: z.string().optional() }, 'The task could not run to the end'),
  'task.cancelled': open('TaskCancelledData', { reason: z.string().optional() }, 'The task was cancelled'),
  'push.completed': open(
    'PushCompletedData',
    { status: z.enum(['pushed', 'failed']), branch: z.string(), message: z.string() },
    "The winner's branch was pushed to the task's remote (push: winner), or its last try failed: `POST /tasks/{id}/push` tries again",
  ),
  'merge.completed': open('MergeCompletedData', { agentLabel: z.string().optional(), strategy: z.string().optional(), status: z.string().optional() }, 'A merge of an attempt was done'),
  'pull_request.opened': open(
    'PullRequestOpenedData',
    { url: z.string(), number: z.number().int(), branch: z.string(), targetBranch: z.string(), forge: z.string(), created: z.boolean() },
    'A pull request (GitLab: merge request) was opened for an attempt, or an open one was adopted (created: false)',
  ),
};

const eventVariant = (type: EventType) =>
  z.object({
    taskId: z.uuid(),
    seq: z.number().int().min(1).openapi({ description: 'Gapless per-task sequence number; also the SSE id' }),
    type: z.literal(type),
    agentLabel: z.string().nullable().openapi({ description: 'The attempt the event is about, if any', example: 'claude-1' }),
    timestamp: z.iso.datetime(),
    data: eventData[type],
  });

export const TaskEventSchema = z
  .discriminatedUnion('type', eventTypes.map(eventVariant) as unknown as [ReturnType<typeof eventVariant>, ...ReturnType<typeof eventVariant>[]])
  .openapi('TaskEvent', { description: 'One progress event of a task. SSE sends the same object as `data`, with `event` = type and `id` = seq.' });

export const EventList = z
  .object({
    items: z.array(TaskEventSchema),
    nextAfter: z.number().int().openapi({ description: 'Pass as `after` to read on; equals `after` when nothing new' }),
  })
  .openapi('EventList');

/** Event seqs are PostgreSQL INTEGERs. */
const MAX_SEQ = 2_147_483_647;

export const EventListQuery = z.object({
  after: z.coerce.number().int().min(0).max(MAX_SEQ).default(0).openapi({ description: 'Return events with seq greater than this' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const ProgressQuery = z.object({
  after: z.coerce.number().int().min(0).max(MAX_SEQ).optional().openapi({ description: 'Replay events after this seq (the Last-Event-ID header wins)' }),
});

export const ProgressHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,10}$/, 'must be an event seq (a number)')
    .refine((value) => Number(value) <= MAX_SEQ, `must be at most ${MAX_SEQ}`)
    .optional()
    .openapi({ description: 'Sent by EventSource on reconnect: replay resumes after this seq' }),
});
