/**
 * One bare mirror per remote under `<dataDir>/mirrors/`, named by a hash of the URL. Attempts'
 * worktrees come from the mirror (no clone per attempt), and the mirror's branches follow the
 * remote's at every fetch, so the merge code works on it as on a local repository. Branches
 * the service makes (`kage/…`) are left out of fetches: they may be checked out in worktrees.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Refusal } from '../refusal.ts';
import { git, GitCommandError, runGit } from './git-command.ts';
import { type RemoteAuth, withRemoteAuth } from './remote-auth.ts';
import type { RepoLock } from './repo-lock.ts';

export interface Remote {
  url: string;
  auth?: RemoteAuth | undefined;
}

/** What the remote says a ref points at, asked before a task is accepted. */
export interface RemoteRef {
  commit: string;
  /** The branch name when the ref was HEAD or a branch, so a merge knows its target. */
  branch: string | undefined;
}

const fetchRefspecs = ['+refs/heads/*:refs/heads/*', '^refs/heads/kage/*', '+refs/tags/*:refs/tags/*'];

export class RemoteMirrors {
  private readonly root: string;
  private readonly sshDir: string;
  private readonly lock: RepoLock;
  private readonly timeoutMs: number;

  constructor(options: { dataDir: string; lock: RepoLock; timeoutMs?: number }) {
    this.root = join(resolve(options.dataDir), 'mirrors');
    this.sshDir = join(resolve(options.dataDir), 'ssh');
    this.lock = options.lock;
    this.timeoutMs = options.timeoutMs ?? 20_000;
  }

  /** The mirrors this machine holds: where a killed instance may have left worktrees. */
  async list(): Promise<string[]> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    return entries.filter((entry) => entry.endsWith('.git')).map((entry) => join(this.root, entry));
  }

  pathFor(url: string): string {
    return join(this.root, `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.git`);
  }

  /**
   * Resolves `ref` on the remote (a branch, a tag, or HEAD) with `git ls-remote`, bounded by a
   * timeout. A remote that cannot be reached, refuses the credential or lacks the ref is a
   * Refusal naming which; a 40-hex commit is taken as given and checked at the first fetch.
   */
  async resolveRef(remote: Remote, ref: string): Promise<RemoteRef> {
    if (/^[0-9a-f]{40}$/.test(ref)) return { commit: ref, branch: undefined };
    const wanted = ref === 'HEAD' ? ['--symref', remote.url, 'HEAD'] : [remote.url, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/tags/${ref}^{}`];
    await mkdir(this.root, { recursive: true });
    let output: string;
    try {
      output = await this.withAuth(remote, (env) => git(this.root, ['ls-remote', ...wanted], { env, timeoutMs: this.timeoutMs }));
    } catch (error) {
      throw unreachable(remote.url, error);
    }
    const lines = output.split('\n').filter(Boolean);
    const symref = lines.find((line) => line.startsWith('ref: '));
    const entries = lines.filter((line) => !line.startsWith('ref: ')).map((line) => line.split('\t') as [string, string]);
    const pick = (name: string) => entries.find(([, refName]) => refName === name)?.[0];
    const commit = pick(`refs/tags/${ref}^{}`) ?? pick(`refs/heads/${ref}`) ?? pick(`refs/tags/${ref}`) ?? pick('HEAD');
    if (!commit) {
      throw new Refusal('invalid', 'invalid_base_ref', `repository.baseRef "${ref}" is not a branch or tag of ${remote.url}`, { field: 'repository.baseRef' });
    }
    const branch = ref === 'HEAD' ? symref?.match(/^ref: refs\/heads\/(\S+)\tHEAD$/)?.[1] : pick(`refs/heads/${ref}`) ? ref : undefined;
    return { commit, branch };
  }

  /**
   * Creates the mirror if needed and fetches the remote's branches and tags into it; returns its
   * path. With `unlessHas`, a mirror that already holds that commit is not fetched: what an
   * attempt needs is its base commit, and its task's other attempts fetched it a moment ago.
   */
  async sync(remote: Remote, options: { unlessHas?: string } = {}): Promise<string> {
    const path = this.pathFor(remote.url);
    await mkdir(this.root, { recursive: true });
    await this.lock.withLocalLock(path, async () => {
      if (!(await exists(path))) await git(this.root, ['init', '--quiet', '--bare', path]);
      else if (options.unlessHas && (await hasCommit(path, options.unlessHas))) return;
      try {
        await this.withAuth(remote, (env) =>
          git(path, ['fetch', '--quiet', '--no-write-fetch-head', remote.url, ...fetchRefspecs], { env, timeoutMs: this.timeoutMs * 15 }),
        );
      } catch (error) {
        throw unreachable(remote.url, error);
      }
    });
    return path;
  }

  /** Fetches one branch the mirror's regular fetch leaves out (`kage/…`); false when the remote lacks it. */
  async fetchBranch(mirrorPath: string, remote: Remote, branch: string): Promise<boolean> {
    const result = await this.withAuth(remote, (env) =>
      runGit(mirrorPath, ['fetch', '--quiet', '--no-write-fetch-head', remote.url, `+refs/heads/${branch}:refs/heads/${branch}`], {
        env,
        timeoutMs: this.timeoutMs * 15,
        okExitCodes: [128],
      }),
    );
    return result.exitCode === 0;
  }

  /**
   * Pushes `refspecs` (e.g. `refs/heads/kage/…:refs/heads/kage/…`) without force: a remote
   * branch that moved meanwhile refuses the push, and the caller hears it as `rejected`.
   */
  async push(mirrorPath: string, remote: Remote, refspecs: readonly string[]): Promise<{ rejected: string[] }> {
    const result = await this.withAuth(remote, (env) =>
      runGit(mirrorPath, ['push', '--porcelain', remote.url, ...refspecs], { env, timeoutMs: this.timeoutMs * 15, okExitCodes: [1] }),
    );
    // Porcelain lines: "<flag>\t<from>:<to>\t<summary>"; '!' marks a refused ref.
    const rejected = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('!\t'))
      .map((line) => line.split('\t')[1]!.split(':')[1]!);
    if (result.exitCode !== 0 && rejected.length === 0) throw unreachable(remote.url, new GitCommandError(mirrorPath, ['push'], result.exitCode, result.stderr));
    return { rejected };
  }

  /** Deletes branches on the remote; ones already gone are not an error. */
  async deleteRemoteBranches(mirrorPath: string, remote: Remote, branches: readonly string[]): Promise<void> {
    if (branches.length === 0) return;
    await this.withAuth(remote, (env) =>
      runGit(mirrorPath, ['push', '--porcelain', remote.url, ...branches.map((branch) => `:refs/heads/${branch}`)], {
        env,
        timeoutMs: this.timeoutMs * 15,
        okExitCodes: [1],
      }),
    );
  }

  private withAuth<T>(remote: Remote, work: (env: Record<string, string>) => Promise<T>): Promise<T> {
    return withRemoteAuth(remote.auth, this.sshDir, work);
  }
}

/** A remote that did not answer, refused the credential, or does not exist: which, in git's words. */
function unreachable(url: string, error: unknown): Refusal {
  const stderr = error instanceof GitCommandError ? error.stderr : String(error);
  if (/Authentication failed|could not read Username|401|403|Permission denied|Host key verification failed/i.test(stderr)) {
    return new Refusal('invalid', 'repository_auth_failed', `${url} refused the credential (or needs one): name a git credential with access`, {
      field: 'repository.credential',
    });
  }
  if (/timed out/i.test(stderr)) return new Refusal('invalid', 'repository_unreachable', `${url} did not answer in time`, { field: 'repository.url' });
  // git's first fatal line says what went wrong; its last is often advice ("…and the repository exists.").
  const lines = stderr.trim().split('\n');
  const reason = (lines.find((line) => line.startsWith('fatal: ')) ?? lines.at(-1) ?? '').replace(/^fatal: /, '') || 'no answer';
  return new Refusal('invalid', 'repository_unreachable', `${url} cannot be reached: ${reason}`, { field: 'repository.url' });
}

async function hasCommit(repoPath: string, commit: string): Promise<boolean> {
  const result = await runGit(repoPath, ['cat-file', '-e', `${commit}^{commit}`], { okExitCodes: [1, 128] });
  return result.exitCode === 0;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
