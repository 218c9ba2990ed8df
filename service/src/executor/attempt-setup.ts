/**
 * Making an attempt's fresh worktree ready to work in, before its agent starts: files copied
 * from the user's checkout (`copy`: ignored or untracked files such as `.env`, never tracked
 * ones, never from outside the repository), then the setup command (`command`, e.g.
 * `npm ci`). The task's `setup` wins over the repository's `.kage.json`, field by field.
 */
import { copyFile, glob, lstat, mkdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { z } from 'zod';
import { git } from '../git/git-command.ts';
import { isInside } from '../path-inside.ts';
import type { TaskRecord, TaskSetup } from '../model/task.ts';
import type { NewEvent } from '../events/event-store.ts';
import type { Confinement } from '../agents/process-launch.ts';
import { type ProjectCommandResult, runProjectCommand } from './project-command.ts';
import { failSpan, inSpan, setSpanFields } from '../tracing/spans.ts';
import { ATTEMPT, processFields, TASK_ID } from '../tracing/span-fields.ts';

/** The part of `.kage.json` the service reads; other keys are the repository's business. */
const RepositoryDefaults = z.looseObject({
  setup: z
    .strictObject({
      command: z.array(z.string().min(1)).min(1).optional(),
      copy: z.array(z.string().min(1)).optional(),
      timeoutSeconds: z.number().int().min(1).max(7200).optional(),
      keep: z.array(z.string().min(1)).optional(),
    })
    .optional(),
});

interface SetupOutcome {
  /** Worktree-relative paths copied in; they are never committed. */
  copied: string[];
  command: ProjectCommandResult | undefined;
}

/** The setup that applies: the task's fields, else `.kage.json`'s (read from the attempt's own worktree, at the base commit). */
async function effectiveSetup(worktree: string, task: TaskSetup | undefined): Promise<TaskSetup | undefined> {
  let text: string;
  try {
    text = await readFile(join(worktree, '.kage.json'), 'utf8');
  } catch {
    return task;
  }
  let defaults;
  try {
    defaults = RepositoryDefaults.parse(JSON.parse(text)).setup;
  } catch (error) {
    throw new Error(`.kage.json is not valid: ${error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') : (error as Error).message}`);
  }
  if (!defaults && !task) return undefined;
  return {
    command: task?.command ?? defaults?.command,
    copy: task?.copy ?? defaults?.copy,
    timeoutSeconds: task?.timeoutSeconds ?? defaults?.timeoutSeconds ?? 600,
    keep: task?.keep ?? defaults?.keep,
  };
}

/**
 * The setup of one attempt's worktree, when any applies: what was copied, the `attempt.setup`
 * event, and why the attempt fails when the command failed (with what it said last).
 */
export async function prepareWorktree(
  task: TaskRecord,
  label: string,
  worktree: string,
  options: { signal: AbortSignal; processTag: string; confinement?: Confinement | undefined },
): Promise<{ copied: string[]; keep: string[]; event: NewEvent; error?: string } | undefined> {
  const setup = await effectiveSetup(worktree, task.config.setup);
  if (!setup) return undefined;
  return inSpan('setup', { [TASK_ID]: task.id, [ATTEMPT]: label, 'process.executable.name': setup.command?.[0] }, async (span) => {
    const prepared = await setUp(task, label, worktree, setup, options);
    setSpanFields(span, { ...processFields(setup.command?.[0], prepared.exitCode), 'kage.setup.copied': prepared.copied.length });
    if (prepared.error) failSpan(span, prepared.error, 'setup_failed');
    return prepared;
  });
}

async function setUp(
  task: TaskRecord,
  label: string,
  worktree: string,
  setup: TaskSetup,
  options: { signal: AbortSignal; processTag: string; confinement?: Confinement | undefined },
): Promise<{ copied: string[]; keep: string[]; event: NewEvent; error?: string; exitCode: number | null }> {
  const outcome = await runSetup(setup, { worktree, sourceCheckout: task.repositoryUrl ? undefined : task.repositoryPath, ...options });
  const command = outcome.command;
  const passed = command?.passed ?? true;
  const event: NewEvent = {
    type: 'attempt.setup',
    agentLabel: label,
    data: {
      passed,
      copied: outcome.copied,
      exitCode: command?.exitCode ?? null,
      durationMs: command?.durationMs ?? 0,
      outputTail: command?.outputTail ?? '',
      errorLines: command?.errorLines ?? [],
    },
  };
  const keep = setup.keep ?? [];
  const exitCode = command?.exitCode ?? null;
  if (passed || !command) return { copied: outcome.copied, keep, event, exitCode };
  return { copied: outcome.copied, keep, event, exitCode, error: setupFailure(command, setup.timeoutSeconds ?? 600) };
}

/**
 * Why setup failed, in one message: how it ended and after how long, the first lines that look
 * like its error (the cause is often far above the end), then its last lines (where the
 * sandbox's own explanation of an exit 126/127 is).
 */
function setupFailure(command: ProjectCommandResult, timeoutSeconds: number): string {
  const ended = command.timedOut ? `timed out after ${timeoutSeconds} s` : `failed with exit code ${command.exitCode ?? 'none'} after ${(command.durationMs / 1000).toFixed(1)} s`;
  const last = command.outputTail.trim().split('\n').slice(-3);
  const first = command.errorLines.filter((line) => !last.some((tailLine) => tailLine.trim() === line));
  return [`setup ${ended}`, ...(first.length > 0 ? [`first errors: ${first.join(' | ')}`] : []), ...(last.length > 0 && last[0] !== '' ? [`last lines: ${last.join(' | ')}`] : [])].join('; ');
}

async function runSetup(
  setup: TaskSetup,
  options: { worktree: string; sourceCheckout: string | undefined; signal: AbortSignal; processTag: string; confinement?: Confinement | undefined },
): Promise<SetupOutcome> {
  const copied = setup.copy?.length && options.sourceCheckout ? await copyLocalFiles(options.sourceCheckout, options.worktree, setup.copy) : [];
  const setupCommand = setup.command;
  if (!setupCommand) return { copied, command: undefined };
  const run = () =>
    runProjectCommand(setupCommand, options.worktree, {
      timeoutSeconds: setup.timeoutSeconds ?? 600,
      signal: options.signal,
      processTag: options.processTag,
      confinement: options.confinement,
      packageCaches: true,
    });
  const command = await (options.confinement ? options.confinement.withPackageCaches(run) : run());
  return { copied, command };
}

/** Copies the untracked or ignored regular files matching `patterns` from `source` into `target`. */
async function copyLocalFiles(source: string, target: string, patterns: readonly string[]): Promise<string[]> {
  const root = await realpath(source);
  const candidates = new Set<string>();
  for (const pattern of patterns) {
    for await (const match of glob(pattern, { cwd: root })) candidates.add(match.split(sep).join('/'));
  }
  const tracked = new Set(candidates.size > 0 ? (await git(root, ['--literal-pathspecs', 'ls-files', '-z', '--', ...candidates], { raw: true })).split('\0').filter(Boolean) : []);
  const copied: string[] = [];
  for (const path of [...candidates].sort()) {
    if (tracked.has(path) || path === '.git' || path.startsWith('.git/')) continue;
    const from = join(root, path);
    // Regular files only, and only inside the repository: a symlink could point anywhere.
    const stat = await lstat(from);
    if (!stat.isFile() || !isInside(await realpath(from), root)) continue;
    await mkdir(dirname(join(target, path)), { recursive: true });
    await copyFile(from, join(target, path));
    copied.push(path);
  }
  return copied;
}
