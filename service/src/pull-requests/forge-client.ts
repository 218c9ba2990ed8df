/** The client of a credential's forge: one per forge, behind one contract (forge-contract.ts). */
import type { ForgeAccess, ForgeClient } from './forge-contract.ts';
import { GiteaClient } from './gitea-client.ts';
import { GitHubClient } from './github-client.ts';
import { GitLabClient } from './gitlab-client.ts';

export function forgeClient(access: ForgeAccess): ForgeClient {
  if (access.forge === 'github') return new GitHubClient(access);
  if (access.forge === 'gitlab') return new GitLabClient(access);
  return new GiteaClient(access);
}
