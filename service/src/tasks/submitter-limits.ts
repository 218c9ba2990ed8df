import { realpathSync } from 'node:fs';
import type { Principal } from '../access/scopes.ts';
import { isInside } from '../path-inside.ts';
import { Refusal } from '../refusal.ts';

/** Who submits a task, and what their key limits it to. */
export type Submitter = Pick<Principal, 'keyId' | 'name' | 'repositoryRoots' | 'allowedAgents'>;

/** 403 when the key may not run one of the agents (a key made without `command`, say). */
export function checkSubmitterAgents(submitter: Submitter, agents: readonly string[], judge: string | undefined): void {
  const allowed = submitter.allowedAgents;
  if (!allowed) return;
  const refused = [...agents.map((agent, index) => ({ agent, field: `agents.${index}.agent` })), ...(judge ? [{ agent: judge, field: 'judge.agent' }] : [])].find(
    ({ agent }) => !allowed.includes(agent),
  );
  if (refused) {
    throw new Refusal('forbidden', 'agent_not_allowed', `${refused.field}: this API key (${submitter.name}) may not run ${refused.agent}; it may run ${allowed.join(', ')}`, {
      field: refused.field,
    });
  }
}

/** 403 when the repository (as resolved: its top folder) lies outside the key's own roots. */
export function checkSubmitterRepository(submitter: Submitter, repository: { path: string; url: string | null }): void {
  const roots = submitter.repositoryRoots;
  if (!roots) return;
  const inside = repository.url === null && roots.some((root) => isInside(repository.path, realOrSelf(root)));
  if (!inside) {
    throw new Refusal(
      'forbidden',
      'repository_not_allowed',
      `${repository.url === null ? 'repository.path' : 'repository.url'}: this API key (${submitter.name}) may use only local repositories under ${roots.join(', ')}`,
      { field: repository.url === null ? 'repository.path' : 'repository.url' },
    );
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
