import { z } from '@hono/zod-openapi';
import { agentNames } from '../../model/agent-names.ts';
import { taskStrategies } from '../../model/task.ts';
import { eventTypes } from '../../events/event-types.ts';
import { WEBHOOK_SECRET_PATTERN } from '../../webhooks/webhook-secret.ts';
import { taskStatuses } from '../../model/statuses.ts';

// A git ref as a user would type it; never starting with '-', so it can't become an option.
const GitRef = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._/@^~{}][A-Za-z0-9._/@^~{}-]*$/, 'must be a branch, tag or commit (letters, digits, . _ / @ ^ ~ -)');

const Argv = z.array(z.string().min(1).max(4096)).min(1).max(100);

const Network = z.enum(['on', 'none']).optional();

export const AgentSpec = z
  .strictObject({
    agent: z.enum(agentNames).openapi({ example: 'claude' }),
    model: z.string().min(1).max(200).optional().openapi({ example: 'claude-sonnet-4-5' }),
    prompt: z.string().min(1).max(100_000).optional().openapi({ description: 'Defaults to the task description' }),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(1800),
    args: z.array(z.string().max(4096)).max(50).default([]).openapi({ description: 'Extra CLI arguments' }),
    command: Argv.optional().openapi({
      description: "For agent 'command': the argv to run, with {prompt} replaced by the prompt. For agent 'acp': the agent to run in ACP mode, e.g. [\"gemini\", \"--acp\"]",
      example: ['node', 'scripts/agent.js', '{prompt}'],
    }),
    network: Network.openapi({ description: "'none': the agent runs with no network at all (needs the sandbox; an agent usually needs its model's API). Default on" }),
  })
  .refine((spec) => (spec.agent !== 'command' && spec.agent !== 'acp') || spec.command !== undefined, {
    message: "agents 'command' and 'acp' need a command (argv array)",
    path: ['command'],
  })
  .openapi('AgentSpec');

// Relative to the repository's top folder, with no '..' segment: a glob never reaches outside it
// (nor, starting with ':', reads as git pathspec magic).
const RepositoryGlob = z
  .string()
  .min(1)
  .max(500)
  .refine((glob) => !glob.startsWith('/') && !glob.startsWith(':') && !glob.split('/').includes('..'), 'must be a glob relative to the repository, without ..');

export const VerifySpec = z
  .strictObject({
    command: Argv.openapi({ example: ['npm', 'test'] }),
    timeoutSeconds: z.number().int().min(1).max(7200).default(600),
    network: Network.openapi({ description: "'none': the command runs with no network at all (needs the sandbox). Default on" }),
    maxRounds: z.number().int().min(1).max(5).optional().openapi({
      description: "Verify-and-fix rounds: when verify fails, the attempt's agent gets the failure (in its own session where the CLI can resume one) and tries again, up to this many runs in all. Default 1",
    }),
    protect: z
      .array(RepositoryGlob)
      .max(50)
      .optional()
      .openapi({
        description:
          "Globs (relative to the repository) of files an attempt may not change for verify, e.g. its tests: verify runs with them as the base commit has them, and an attempt that changed one is marked (verify.protectedChanged) and ranks below every attempt that did not. Default: .kage.json's verify.protect",
        example: ['tests/**', 'test_*.py'],
      }),
  })
  .openapi('VerifySpec');

const limit = (min: number, max: number, description: string) => z.number().int().min(min).max(max).optional().openapi({ description });

export const LimitsSpec = z
  .strictObject({
    processes: limit(8, 100_000, 'Processes and threads an attempt may run at once (service default KAGE_SANDBOX_MAX_PROCESSES)'),
    fileSizeMb: limit(1, 1_048_576, 'The largest file an attempt may write, in MB (KAGE_SANDBOX_MAX_FILE_MB)'),
    memoryMb: limit(64, 1_048_576, "The memory of all an attempt's processes together, in MB; over it the process is killed and the attempt stops with memory_limit (KAGE_SANDBOX_MAX_MEMORY_MB)"),
    worktreeMb: limit(1, 1_048_576, 'The worktree with the private HOME and /tmp, in MB; over it the attempt stops with disk_limit (KAGE_SANDBOX_MAX_WORKTREE_MB)'),
  })
  .openapi('LimitsSpec');

export const SetupSpec = z
  .strictObject({
    command: Argv.optional().openapi({ description: "Run in each attempt's worktree before its agent starts", example: ['npm', 'ci'] }),
    copy: z.array(RepositoryGlob).max(50).optional().openapi({
      description: 'Untracked or ignored files to copy from your checkout into each worktree (local repositories); never committed',
      example: ['.env', 'config/local.yml'],
    }),
    timeoutSeconds: z.number().int().min(1).max(7200).optional().openapi({ description: 'Default 600' }),
    keep: z.array(RepositoryGlob).max(20).optional().openapi({
      description: "Untracked cache folders (gitignore patterns) a finished attempt's worktree keeps when it is pooled for the next task on this repository",
      example: ['node_modules', '.venv', 'target'],
    }),
  })
  .openapi('SetupSpec');

export const CallbackSpec = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).max(2048),
    events: z.array(z.enum(eventTypes)).max(eventTypes.length).default([]).openapi({ description: 'Empty = every event type' }),
    secret: z
      .string()
      .regex(WEBHOOK_SECRET_PATTERN, 'must be whsec_ followed by base64 of 24 to 64 random bytes')
      .optional(),
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'Who waits on this callback (e.g. the n8n node); sent back in each delivery as data.callback.name' }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'No deliveries after this time: the callback ends with the wait it serves' }),
  })
  .openapi('CallbackSpec');

export const pushModes = ['none', 'winner', 'attempts'] as const;

export const Repository = z
  .strictObject({
    path: z.string().min(1).max(4096).optional().openapi({ description: 'A repository on the service\'s machine', example: '/home/me/projects/app' }),
    url: z.string().min(1).max(2048).optional().openapi({
      description: 'A remote: https://, ssh:// or git@host:org/repo (file:// with KAGE_ALLOW_FILE_URLS)',
      example: 'https://github.com/acme/app.git',
    }),
    credential: z.string().min(1).max(100).optional().openapi({ description: 'The name of a git credential for the URL\'s host' }),
    baseRef: GitRef.default('HEAD'),
  })
  .superRefine((repository, context) => {
    if ((repository.path === undefined) === (repository.url === undefined)) {
      context.addIssue({ code: 'custom', message: 'give exactly one of path and url', path: [repository.path === undefined ? 'path' : 'url'] });
    }
    if (repository.credential !== undefined && repository.url === undefined) {
      context.addIssue({ code: 'custom', message: 'a credential goes with a url', path: ['credential'] });
    }
  })
  .openapi('Repository');

export const JudgeSpec = z
  .strictObject({
    agent: z.enum(['claude', 'codex']).openapi({ description: 'The CLI that judges, run in its read-only mode (Claude Code: plan mode)' }),
    model: z.string().min(1).max(200).optional(),
    when: z.enum(['ties', 'always']).default('ties').openapi({ description: "ties: order only the attempts that tie on verify (all passed, or none did); always: every attempt that succeeded" }),
    timeoutSeconds: z.number().int().min(5).max(3600).default(300),
  })
  .openapi('JudgeSpec');

export const Judgement = z
  .object({
    agent: z.string(),
    candidates: z.array(z.string()),
    order: z.array(z.string()).openapi({ description: 'The candidates best first; empty when the judge gave no verdict' }),
    verdicts: z.array(z.object({ label: z.string(), confidence: z.number(), reason: z.string() })),
    error: z.string().nullable().openapi({ description: 'Why the judge gave no verdict (the ranking then did without it)' }),
    costUsd: z.number().nullable(),
  })
  .openapi('Judgement');

export const SubmitTaskBody = z
  .strictObject({
    description: z.string().trim().min(1).max(100_000).openapi({ example: 'Add input validation to the signup form' }),
    repository: Repository,
    agents: z.array(AgentSpec).min(1).max(8).optional().openapi({ description: 'The attempts to run (every strategy but cascade, which takes tiers, and unless pick chooses them)' }),
    // A field of its own rather than a union in `agents`: `agents` stays an array for every client and schema reader.
    pick: z
      .strictObject({
        count: z.number().int().min(1).max(8),
        candidates: z.array(AgentSpec).min(1).max(16),
        seed: z.number().int().min(0).max(4294967295).optional().openapi({ description: "The draw's seed; default one derived from the task's id" }),
      })
      .optional()
      .openapi({ description: "Instead of agents: the service runs `count` of the candidates, chosen from this repository's past results (Thompson sampling over each one's verified pass rate, weighed by its median cost); the task's `selection` says why" }),
    strategy: z.enum(taskStrategies).default('all').openapi({
      description:
        'all: every attempt runs to its end (default). race: they run at once and the first to pass verify (protected files untouched) wins; the others are cancelled at once. cascade: the tiers run one after another until one has an attempt that passes verify; a later tier is told the failure of the one before. race and cascade need verify',
    }),
    tiers: z
      .array(z.array(AgentSpec).min(1).max(8))
      .min(1)
      .max(8)
      .optional()
      .openapi({ description: 'For strategy cascade: the agents of each tier, cheapest first (at most 8 attempts in all)', example: [[{ agent: 'claude', model: 'claude-haiku-4-5' }], [{ agent: 'claude', model: 'claude-opus-4-1' }]] }),
    verify: VerifySpec.optional(),
    setup: SetupSpec.optional().openapi({ description: "Defaults from the repository's .kage.json (`setup`); these fields win" }),
    limits: LimitsSpec.optional().openapi({ description: "Each attempt's sandbox limits; the service's defaults for what is left out" }),
    judge: JudgeSpec.optional().openapi({ description: 'A judge that orders the attempts after verify (tests first, judge second)' }),
    budgetUsd: z.number().positive().max(10_000).optional(),
    callbacks: z.array(CallbackSpec).max(10).default([]),
    push: z.enum(pushModes).optional().openapi({
      description: 'URL repositories: which attempt branches are pushed to the remote (default attempts: each after its commit)',
    }),
  })
  .refine((body) => body.push === undefined || body.repository.url !== undefined, {
    message: 'push applies to a repository given by url',
    path: ['push'],
  })
  // Said beside any other field's problem (a refinement alone would wait until the rest is valid).
  .refine((body) => body.strategy === 'cascade' || body.agents !== undefined || body.pick !== undefined, {
    message: 'agents is required (a cascade gives tiers instead, or pick chooses them)',
    path: ['agents'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })
  .superRefine((body, context) => {
    const issue = (message: string, path: string) => context.addIssue({ code: 'custom', message, path: [path] });
    if (body.strategy !== 'all' && body.verify === undefined) {
      issue(`strategy ${body.strategy} needs verify: it stops at the first attempt that passes the verify command, and without one there is no gate to stop at`, 'verify');
    }
    if (body.strategy === 'cascade') {
      if (body.tiers === undefined) issue('strategy cascade takes tiers (lists of agents, cheapest first), not agents', 'tiers');
      if (body.agents !== undefined) issue('strategy cascade takes its agents in tiers; leave agents out', 'agents');
      if ((body.tiers ?? []).flat().length > 8) issue('at most 8 attempts in all tiers together', 'tiers');
    } else {
      if (body.tiers !== undefined) issue('tiers go with strategy cascade', 'tiers');
    }
    if (body.pick !== undefined) {
      if (body.agents !== undefined) issue('give agents or pick, not both', 'pick');
      if (body.strategy === 'cascade') issue('a cascade takes tiers; pick chooses agents for the other strategies', 'pick');
      if (body.pick.count > body.pick.candidates.length) issue('pick.count is more than the candidates given', 'pick');
    }
    if (body.strategy === 'race' && body.judge !== undefined) issue('a race ends at the first attempt that passes verify: there is nothing for a judge to order', 'judge');
  })
  .openapi('SubmitTask');
export type SubmitTaskBody = z.infer<typeof SubmitTaskBody>;

export const TaskStatus = z.enum(taskStatuses);

export const TaskIdParam = z.object({
  id: z.uuid({ message: 'must be a task id (UUID)' }).openapi({ param: { name: 'id', in: 'path' } }),
});

export const ListTasksQuery = z.object({
  status: TaskStatus.optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
