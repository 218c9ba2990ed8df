import { z } from 'zod';
import type { Principal } from '../access/scopes.ts';
import { git } from '../git/git-command.ts';
import { checkAgentAllowed } from '../agents/agent-policy.ts';
import { Refusal } from '../refusal.ts';

/** Who submits a task, and what their key limits it to. */
export type Submitter = Pick<Principal, 'keyId' | 'name' | 'scopes' | 'repositoryRoots' | 'allowedAgents'>;

/** 403 when the key may not run one of the agents (a key made without `command`, say). */
export function checkSubmitterAgents(submitter: Submitter, agents: readonly string[], judge: string | undefined): void {
  const limitedBy = `this API key (${submitter.name})`;
  agents.forEach((agent, index) => checkAgentAllowed(`agents.${index}.agent`, agent, submitter.allowedAgents, limitedBy));
  if (judge) checkAgentAllowed('judge.agent', judge, submitter.allowedAgents, limitedBy);
}

/**
 * A key that may not run the `command` agent may not run programs of its own choosing another
 * way either: its setup and verify commands must be exactly those the repository names in its
 * `.kage.json` (read at the base commit), and only the `acp` agent (when the key may run it)
 * carries an argv. Admin keys and keys allowed `command` may set any.
 */
export function runsAnyProgram(submitter: Submitter): boolean {
  return submitter.allowedAgents === null || submitter.allowedAgents.includes('command') || submitter.scopes.includes('admin');
}

export interface RequestedCommands {
  setup?: readonly string[] | undefined;
  verify?: readonly string[] | undefined;
}

/**
 * Before the repository is touched: what can be refused from the request alone. Returns the
 * commands left to compare with the repository's `.kage.json` (none when the key may run any).
 */
export function checkSubmitterCommands(
  submitter: Submitter,
  request: { agents: readonly { agent: string; command?: readonly string[] | undefined }[]; setup?: { command?: readonly string[] | undefined } | undefined; verify?: { command: readonly string[] } | undefined; repositoryUrl: string | undefined },
): RequestedCommands | undefined {
  if (runsAnyProgram(submitter)) return undefined;
  const argvAgent = request.agents.findIndex((agent) => agent.command !== undefined && agent.agent !== 'acp');
  if (argvAgent !== -1) throw commandRefusal(submitter, `agents.${argvAgent}.command`, 'only the acp agent takes a command');
  const wanted: RequestedCommands = { setup: request.setup?.command, verify: request.verify?.command };
  const field = wanted.setup ? 'setup.command' : wanted.verify ? 'verify.command' : undefined;
  if (!field) return undefined;
  if (request.repositoryUrl !== undefined) {
    throw commandRefusal(submitter, field, "a repository given by URL is not read before the task starts, so its .kage.json cannot name the command; leave it out, and the repository's .kage.json setup still runs");
  }
  return wanted;
}

/** After the repository passed every limit: the commands must be the ones its `.kage.json` names. */
export async function checkRepositoryCommands(submitter: Submitter, wanted: RequestedCommands, repository: { path: string; baseCommit: string }): Promise<void> {
  const named = await repositoryCommands(repository.path, repository.baseCommit);
  for (const field of ['setup', 'verify'] as const) {
    const asked = wanted[field];
    if (asked && !sameArgv(asked, named[field])) {
      const theirs = named[field] ? JSON.stringify(named[field]) : 'none';
      throw commandRefusal(submitter, `${field}.command`, `it must be exactly the ${field}.command the repository's .kage.json names at ${repository.baseCommit.slice(0, 12)} (${theirs})`);
    }
  }
}

const KageJsonCommands = z.looseObject({
  setup: z.looseObject({ command: z.array(z.string()).optional() }).optional(),
  verify: z.looseObject({ command: z.array(z.string()).optional() }).optional(),
});

/** `setup.command` and `verify.command` of `.kage.json` at a commit (cat-file: no filters, no text conversion). */
async function repositoryCommands(path: string, commit: string): Promise<{ setup?: string[] | undefined; verify?: string[] | undefined }> {
  const text = await git(path, ['cat-file', 'blob', `${commit}:.kage.json`]).catch(() => undefined);
  if (text === undefined) return {};
  try {
    const parsed = KageJsonCommands.parse(JSON.parse(text));
    return { setup: parsed.setup?.command, verify: parsed.verify?.command };
  } catch {
    return {};
  }
}

function sameArgv(a: readonly string[], b: readonly string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((arg, index) => arg === b[index]);
}

function commandRefusal(submitter: Submitter, field: string, why: string): Refusal {
  return new Refusal(
    'forbidden',
    'command_not_allowed',
    `${field}: this API key (${submitter.name}) may not run programs of its own choosing (it may run ${submitter.allowedAgents?.join(', ')}, not command): ${why}`,
    { field },
  );
}
