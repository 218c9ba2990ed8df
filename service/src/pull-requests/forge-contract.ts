/**
 * What the service asks of a forge to open a pull request (GitHub, Gitea/Forgejo) or a merge
 * request (GitLab): find an open one for a head branch, or open one. Each forge's client
 * implements it; forge-client.ts picks one.
 */
import type { ForgeKind } from '../credentials/forges.ts';
import { Refusal } from '../refusal.ts';

export interface OpenedPullRequest {
  url: string;
  number: number;
}

export interface NewPullRequest {
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
}

export interface ForgeClient {
  findOpen(head: string, base: string): Promise<OpenedPullRequest | undefined>;
  create(request: NewPullRequest): Promise<OpenedPullRequest>;
}

export interface ForgeAccess {
  forge: ForgeKind;
  apiUrl: string;
  token: string;
  /** The repository's path on the forge, e.g. `acme/app` (GitLab: with its groups). */
  repoPath: string;
}

/** owner and name of `org/repo`; GitHub and Gitea repositories have exactly these two parts. */
export function ownerAndName(repoPath: string): { owner: string; repo: string } {
  const parts = repoPath.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Refusal('invalid', 'invalid_repository_url', `repository.url: ${repoPath} is not an owner/name repository path`, { field: 'repository.url' });
  }
  return { owner: parts[0], repo: parts[1] };
}

/** A forge that refused a request: its status and message, never the token. */
export function forgeRefused(forge: ForgeKind, status: number | undefined, message: string): Refusal {
  const hint = status === 401 || status === 403 ? '; check the credential token and its scopes' : '';
  return new Refusal('conflict', 'forge_refused', `${forge} refused the pull request${status ? ` (${status})` : ''}: ${message}${hint}`, { forge, status });
}
