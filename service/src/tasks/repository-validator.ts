import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { git } from '../git/git-command.ts';
import { RefNotFoundError, resolveCommit } from '../git/repository.ts';
import type { RemoteMirrors } from '../git/remote-mirrors.ts';
import { parseRemoteUrl } from '../git/remote-url.ts';
import { type CredentialStore, remoteAuthOf } from '../credentials/credential-store.ts';
import { Refusal } from '../refusal.ts';
import { RepositoryRoots, type RootSet, rootSet } from './repository-roots.ts';

export interface ResolvedRepository {
  /** The repository's top level, symlinks resolved; for a URL, this machine's mirror of it. */
  path: string;
  /** The ref as given, except `HEAD` becomes the branch checked out now: the merge target later. */
  baseRef: string;
  baseCommit: string;
  url: string | null;
  credentialName: string | null;
}

export interface RemoteAccess {
  mirrors: RemoteMirrors;
  credentials: CredentialStore;
  allowFileUrls: boolean;
}

/** The submitting key's own repository roots (null: none beyond the service's). */
export interface KeyRoots {
  name: string;
  roots: readonly string[] | null;
}

/**
 * Checks a repository named in a request before anything touches it: absolute, existing, a git
 * work tree, inside KAGE_REPO_ROOTS and the key's own roots (one check, repository-roots.ts);
 * and resolves the base ref to a commit.
 */
export class RepositoryValidator {
  private readonly roots: RootSet;
  private readonly remotes: RemoteAccess | undefined;

  constructor(roots: readonly string[], remotes?: RemoteAccess) {
    this.remotes = remotes;
    this.roots = rootSet(roots, 'the allowed roots (KAGE_REPO_ROOTS)');
  }

  async resolve(repository: { path?: string | undefined; url?: string | undefined; baseRef: string; credential?: string | undefined }, key?: KeyRoots) {
    if (repository.url !== undefined) {
      // Before the URL is parsed, its credential read or the remote asked: a root-limited key learns nothing of other hosts.
      if (key?.roots) {
        throw new Refusal('forbidden', 'repository_not_allowed', `repository.url: this API key (${key.name}) may use only local repositories under ${key.roots.join(', ')}`, {
          field: 'repository.url',
        });
      }
      return this.resolveRemote(repository.url, repository.baseRef, repository.credential);
    }
    const sets = key?.roots ? [this.roots, rootSet(key.roots, `the roots this API key (${key.name}) may use (${key.roots.join(', ')})`)] : [this.roots];
    return this.resolveLocal(repository.path!, repository.baseRef, sets);
  }

  /**
   * A remote: an allowed URL, the named credential for that URL's host, and a base ref the
   * remote has (asked with `git ls-remote`). Nothing is fetched yet: that happens when the task starts.
   */
  private async resolveRemote(rawUrl: string, baseRef: string, credentialName: string | undefined): Promise<ResolvedRepository> {
    if (!this.remotes) throw new Refusal('invalid', 'remote_repositories_disabled', 'repository.url: this service takes local paths only', { field: 'repository.url' });
    const remote = parseRemoteUrl(rawUrl, { allowFileUrls: this.remotes.allowFileUrls });
    let auth;
    if (credentialName !== undefined) {
      const secret = await this.remotes.credentials.secretFor(credentialName).catch((error: unknown) => {
        throw error instanceof Refusal ? new Refusal('invalid', 'unknown_credential', `repository.credential: no git credential named ${credentialName}`, { field: 'repository.credential' }) : error;
      });
      if (secret.host !== remote.host) {
        throw new Refusal('invalid', 'credential_host_mismatch', `repository.credential: ${credentialName} is for ${secret.host}, not ${remote.host || 'a file:// URL'}`, {
          field: 'repository.credential',
        });
      }
      const sshUrl = remote.protocol === 'ssh';
      if (sshUrl !== (secret.kind === 'ssh_key')) {
        throw new Refusal(
          'invalid',
          'credential_kind_mismatch',
          `repository.credential: ${credentialName} holds ${secret.kind === 'ssh_key' ? 'an SSH key, which needs an ssh:// or git@host: URL' : 'a token, which needs an https:// URL'}`,
          { field: 'repository.credential' },
        );
      }
      auth = remoteAuthOf(secret);
    }
    const resolved = await this.remotes.mirrors.resolveRef({ url: remote.url, auth }, baseRef);
    return {
      path: this.remotes.mirrors.pathFor(remote.url),
      baseRef: baseRef === 'HEAD' ? (resolved.branch ?? baseRef) : baseRef,
      baseCommit: resolved.commit,
      url: remote.url,
      credentialName: credentialName ?? null,
    };
  }

  private async resolveLocal(requestedPath: string, baseRef: string, sets: readonly RootSet[]): Promise<ResolvedRepository> {
    const invalid = (message: string) => new Refusal('invalid', 'invalid_repository', message, { field: 'repository.path' });
    if (!isAbsolute(requestedPath)) throw invalid(`repository.path must be an absolute path, got "${requestedPath}"`);
    let real: string;
    try {
      real = realpathSync(requestedPath);
      if (!statSync(real).isDirectory()) throw new Error('not a directory');
    } catch {
      throw invalid(`repository.path ${requestedPath} does not exist or is not a directory`);
    }
    const roots = new RepositoryRoots(sets, requestedPath);
    roots.checkBeforeGit(real);
    const found = await git(real, ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir']).catch(() => undefined);
    if (!found) throw invalid(`repository.path ${requestedPath} is not a git repository`);
    const [shownTopLevel, gitDir, commonDir] = found.split('\n') as [string, string, string];
    const topLevel = realpathSync(shownTopLevel);
    // What git will work on, not what was asked for: a `.git` file or core.worktree may point
    // elsewhere, and a plain folder inside a repository belongs to that repository.
    roots.check(topLevel, `its repository's work tree ${topLevel}`);
    for (const dir of [gitDir, resolve(real, commonDir)]) roots.check(realpathSync(dir), `its git folder ${dir}`);
    if (topLevel !== real) {
      throw invalid(`repository.path ${requestedPath} is a folder inside the repository ${topLevel}; give the repository's top folder`);
    }
    try {
      const baseCommit = await resolveCommit(topLevel, baseRef);
      const branch = baseRef === 'HEAD' ? await git(topLevel, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '') : '';
      return { path: topLevel, baseRef: branch || baseRef, baseCommit, url: null, credentialName: null };
    } catch (error) {
      if (!(error instanceof RefNotFoundError)) throw error;
      throw new Refusal('invalid', 'invalid_base_ref', `repository.baseRef "${baseRef}" is not a commit in ${topLevel}`, {
        field: 'repository.baseRef',
      });
    }
  }
}
