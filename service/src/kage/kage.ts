#!/usr/bin/env node
/**
 * `kage`: the service from a terminal, over its REST API (KAGE_URL and KAGE_API_KEY, or a config
 * file: kage-settings.ts). `--json` prints the API's answers as they are, for scripts. Exit
 * codes: 0 done; 1 an error or refusal; 2 a mistake in the command line; 3 verify failed (no
 * verified winner, or a merge refused as not verified); 4 merge conflicts; 5 the task failed or
 * was cancelled.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ApiRefusal, KageApi } from '../mcp/kage-api.ts';
import { taskEvents } from '../mcp/task-events.ts';
import { kageSettings, SettingsError } from './kage-settings.ts';
import { plainLine, renderTable, WatchState } from './watch-view.ts';
import { taskStatuses } from '../model/statuses.ts';

const exitCodes = { ok: 0, error: 1, usage: 2, verifyFailed: 3, conflicts: 4, taskFailed: 5 } as const;

class ExitWith extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

interface Attempt {
  label: string;
  status: string;
  costUsd: number | null;
  verify: { passed: boolean } | null;
  score: { rank: number; reasons: string[] } | null;
}
interface TaskBody {
  id: string;
  description: string;
  status: string;
  winner: string | null;
  winnerPassedVerify: boolean | null;
  agents: Attempt[];
  links: { review: string };
}

function api(): KageApi {
  let settings: { url: string; apiKey: string };
  try {
    settings = kageSettings(process.env);
  } catch (error) {
    if (error instanceof SettingsError) throw new ExitWith(exitCodes.usage, error.message);
    throw error;
  }
  return new KageApi((path, init) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${settings.apiKey}`);
    return fetch(`${settings.url}/api/v1${path}`, { ...init, headers }).catch((error: unknown) => {
      if (init.signal?.aborted) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new ExitWith(exitCodes.error, `cannot reach the service at ${settings.url} (KAGE_URL): ${cause}`);
    });
  });
}

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));

function taskSummary(task: TaskBody): void {
  out(`task ${task.id}: ${task.status}${task.winner ? `, winner ${task.winner}${task.winnerPassedVerify === false ? ' (did not pass verify)' : ''}` : ''}`);
  for (const attempt of task.agents) {
    const verify = attempt.verify ? (attempt.verify.passed ? 'verify passed' : 'verify failed') : 'no verify';
    const cost = typeof attempt.costUsd === 'number' ? `$${attempt.costUsd.toFixed(2)}` : 'cost -';
    out(`  ${attempt.label.padEnd(12)} ${attempt.status.padEnd(10)} ${verify.padEnd(13)} ${cost.padStart(7)}  rank ${attempt.score?.rank ?? '-'}: ${(attempt.score?.reasons ?? []).join('; ')}`);
  }
  out(`  review: ${task.links.review}`);
}

/** The exit code a finished task stands for. */
function taskExit(task: TaskBody): number {
  if (task.status === 'failed' || task.status === 'cancelled') return exitCodes.taskFailed;
  if (task.status === 'completed' && (task.winner === null || task.winnerPassedVerify === false)) return exitCodes.verifyFailed;
  return exitCodes.ok;
}

function agentSpec(value: string): unknown {
  // An agent's name, or its whole spec as JSON: {"agent":"command","command":["make","fix"]}.
  return value.trimStart().startsWith('{') ? JSON.parse(value) : { agent: value };
}

/** The task's last event so far: a follow-up's watch shows what comes after it. */
async function lastSeq(client: KageApi, id: string): Promise<number> {
  let after = 0;
  for (;;) {
    const page = (await client.call('GET', `/tasks/${encodeURIComponent(id)}/events?after=${after}&limit=1000`)) as { nextAfter: number };
    if (page.nextAfter === after) return after;
    after = page.nextAfter;
  }
}

async function watch(id: string, json: boolean, after = 0): Promise<number> {
  const client = api();
  const tty = process.stdout.isTTY === true && !json;
  const state = new WatchState();
  let drawn = 0;
  const draw = () => {
    const lines = renderTable(id, state, process.stdout.columns || 100);
    // Back to the first line of the last drawing, then over it line by line.
    process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
    drawn = lines.length;
  };
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  for await (const event of taskEvents(client, id, controller.signal, after)) {
    state.apply(event);
    if (json) out(JSON.stringify(event));
    else if (tty) draw();
    else out(plainLine(event));
  }
  const task = (await client.call('GET', `/tasks/${encodeURIComponent(id)}`)) as TaskBody;
  if (!json) {
    if (tty) out();
    taskSummary(task);
  }
  return taskExit(task);
}

export function program(): Command {
  const cli = new Command('kage')
    .description('Run several coding agents on one task and merge the best (the Kage Bunshin service at KAGE_URL, with KAGE_API_KEY)')
    .option('--json', 'print the API answers as JSON')
    .exitOverride()
    .showHelpAfterError();
  const json = () => cli.opts<{ json?: boolean }>().json === true;

  cli
    .command('submit')
    .description('submit a task; the arguments after -- are the verify command')
    .argument('[description]', 'what to do')
    .argument('[verify...]', 'the verify command (after --)')
    .option('-f, --file <task.json>', 'the whole task as JSON (the body of POST /api/v1/tasks); flags given too win')
    .option('-r, --repo <path>', 'the repository (default: the current folder)')
    .option('-a, --agent <agent>', 'an agent: a name (claude, codex, ...) or a JSON spec; repeat for several', (value, all: unknown[]) => [...all, agentSpec(value)], [])
    .option('--budget <usd>', 'the most the task may spend, in US dollars', Number)
    .option('-w, --watch', 'then watch it until it ends')
    .action(async (description: string | undefined, verify: string[], options: { file?: string; repo?: string; agent: unknown[]; budget?: number; watch?: boolean }) => {
      const body: Record<string, unknown> = options.file ? (JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>) : {};
      if (description) body.description = description;
      if (options.repo || !body.repository) body.repository = { path: resolve(options.repo ?? '.') };
      if (options.agent.length > 0) body.agents = options.agent;
      if (verify.length > 0) body.verify = { ...(body.verify as object | undefined), command: verify };
      if (options.budget !== undefined) body.budgetUsd = options.budget;
      const task = (await api().call('POST', '/tasks', body)) as TaskBody;
      if (json() && !options.watch) printJson(task);
      else if (!json()) out(`${task.id}\n  review: ${task.links.review}`);
      if (options.watch) process.exitCode = await watch(task.id, json());
    });

  cli
    .command('watch')
    .description("follow a task's attempts live until it ends (plain lines when not at a terminal)")
    .argument('<id>')
    .action(async (id: string) => {
      process.exitCode = await watch(id, json());
    });

  cli
    .command('ls')
    .description('tasks, newest first')
    .addOption(new Option('--status <status>').choices([...taskStatuses]))
    .option('--page <n>', 'page', '1')
    .action(async (options: { status?: string; page: string }) => {
      const query = new URLSearchParams({ page: options.page, ...(options.status ? { status: options.status } : {}) });
      const list = (await api().call('GET', `/tasks?${query}`)) as { items: TaskBody[]; total: number };
      if (json()) return printJson(list);
      for (const task of list.items) out(`${task.id}  ${task.status.padEnd(9)}  ${String(task.winner ?? '-').padEnd(12)}  ${task.description.split('\n')[0]}`);
      out(`${list.items.length} of ${list.total}`);
    });

  cli
    .command('show')
    .description('a task: its attempts, scores and the reasons, the winner')
    .argument('<id>')
    .action(async (id: string) => {
      const task = (await api().call('GET', `/tasks/${encodeURIComponent(id)}`)) as TaskBody;
      if (json()) printJson(task);
      else taskSummary(task);
    });

  cli
    .command('diff')
    .description("an attempt's diff (default: the winner's)")
    .argument('<id>')
    .argument('[attempt]', 'an attempt label such as claude-1, or best')
    .action(async (id: string, attempt: string | undefined) => {
      const query = attempt ? `?agent=${encodeURIComponent(attempt)}` : '';
      const diff = (await api().call('GET', `/tasks/${encodeURIComponent(id)}/diff${query}`)) as { patch: string };
      if (json()) printJson(diff);
      else process.stdout.write(diff.patch);
    });

  cli
    .command('merge')
    .description("merge an attempt (default: the winner) into the branch the task started from")
    .argument('<id>')
    .option('-a, --agent <attempt>', 'the attempt to merge', 'best')
    .option('--target <branch>', 'the branch to merge into')
    .option('--allow-unverified', 'merge an attempt that did not pass verify (untested work, on purpose)')
    .action(async (id: string, options: { agent: string; target?: string; allowUnverified?: boolean }) => {
      const body = { agent: options.agent, ...(options.target ? { targetBranch: options.target } : {}), ...(options.allowUnverified ? { allowUnverified: true } : {}) };
      const merged = (await api().call('POST', `/tasks/${encodeURIComponent(id)}/merge`, body)) as { status: string; agent: string; targetBranch: string; commit: string | null };
      if (json()) printJson(merged);
      else out(`${merged.status}: ${merged.agent} into ${merged.targetBranch}${merged.commit ? ` at ${merged.commit.slice(0, 12)}` : ''}`);
    });

  cli
    .command('pr')
    .description('push an attempt (default: the winner) and open its pull request')
    .argument('<id>')
    .option('-a, --agent <attempt>', 'the attempt to propose', 'best')
    .option('--target <branch>', 'the branch to propose it for')
    .option('--title <title>', 'the title (default: the first line of the description)')
    .option('--draft', 'open it as a draft')
    .option('--allow-unverified', 'propose an attempt that did not pass verify')
    .action(async (id: string, options: { agent: string; target?: string; title?: string; draft?: boolean; allowUnverified?: boolean }) => {
      const body = { agent: options.agent, targetBranch: options.target, title: options.title, draft: options.draft, allowUnverified: options.allowUnverified };
      const opened = (await api().call('POST', `/tasks/${encodeURIComponent(id)}/pull-request`, body)) as { url: string; created: boolean };
      if (json()) printJson(opened);
      else out(`${opened.created ? 'opened' : 'already open'}: ${opened.url}`);
    });

  cli
    .command('follow-up')
    .description('continue a finished attempt with another prompt (the task runs again for it)')
    .argument('<id>')
    .argument('<attempt>', 'an attempt label such as claude-1')
    .argument('<prompt>')
    .option('-w, --watch', 'then watch it until it ends')
    .action(async (id: string, attempt: string, prompt: string, options: { watch?: boolean }) => {
      const client = api();
      const before = options.watch ? await lastSeq(client, id) : 0;
      const task = (await client.call('POST', `/tasks/${encodeURIComponent(id)}/attempts/${encodeURIComponent(attempt)}/follow-up`, { prompt })) as TaskBody;
      if (json() && !options.watch) printJson(task);
      else if (!json()) out(`${task.id}: ${task.status}`);
      if (options.watch) process.exitCode = await watch(task.id, json(), before);
    });

  cli
    .command('cancel')
    .description("cancel a task: stops every agent process")
    .argument('<id>')
    .action(async (id: string) => {
      const task = (await api().call('DELETE', `/tasks/${encodeURIComponent(id)}`)) as TaskBody;
      if (json()) printJson(task);
      else out(`${task.id}: cancel requested (${task.status})`);
    });
  return cli;
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : exitCodes.usage;
      return;
    }
    if (error instanceof ApiRefusal) {
      process.stderr.write(`kage: ${error.code} (${error.status}): ${error.message}\n`);
      process.exitCode = error.code === 'not_verified' ? exitCodes.verifyFailed : error.code === 'merge_conflicts' ? exitCodes.conflicts : exitCodes.error;
      return;
    }
    if (error instanceof ExitWith) {
      process.stderr.write(`kage: ${error.message}\n`);
      process.exitCode = error.code;
      return;
    }
    process.stderr.write(`kage: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodes.error;
  }
}

await main(process.argv);
