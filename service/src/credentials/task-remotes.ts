/**
 * The remote of a URL task, with its credential's token, for the service's own git commands:
 * fetching the mirror when the task starts, pushing attempt branches, deleting them on discard.
 * Local-path tasks have no remote, and every call is then a no-op.
 */
import { isServiceBranch } from '../git/attempt-branch.ts';
import type { RemoteMirrors, Remote } from '../git/remote-mirrors.ts';
import { type CredentialStore, remoteAuthOf } from './credential-store.ts';
import { failSpan, inSpan, SpanKind } from '../tracing/spans.ts';

export interface RemoteTask {
  repositoryPath: string;
  baseCommit: string;
  repositoryUrl: string | null;
  credentialName: string | null;
}

export interface PushOutcome {
  pushed: boolean;
  message: string;
}

export class TaskRemotes {
  readonly mirrors: RemoteMirrors;
  private readonly credentials: CredentialStore;

  constructor(mirrors: RemoteMirrors, credentials: CredentialStore) {
    this.mirrors = mirrors;
    this.credentials = credentials;
  }

  /** A URL task as this machine sees it: its repository is this machine's mirror, wherever the task was accepted. */
  onThisMachine<T extends RemoteTask>(task: T): T {
    return task.repositoryUrl ? { ...task, repositoryPath: this.mirrors.pathFor(task.repositoryUrl) } : task;
  }

  /**
   * Brings an attempt branch that ran on another machine into this one's mirror (`task` as
   * `onThisMachine` gives it); false when the remote does not have it (it was never pushed).
   */
  async fetchAttemptBranch(task: RemoteTask, branch: string): Promise<boolean> {
    const remote = await this.remoteOf(task);
    if (!remote) return false;
    // The mirror must exist; a full fetch is not needed for one branch.
    await this.mirrors.sync(remote, { unlessHas: task.baseCommit });
    return this.mirrors.fetchBranch(task.repositoryPath, remote, branch);
  }

  async remoteOf(task: RemoteTask): Promise<Remote | undefined> {
    if (!task.repositoryUrl) return undefined;
    if (!task.credentialName) return { url: task.repositoryUrl };
    return { url: task.repositoryUrl, auth: remoteAuthOf(await this.credentials.secretFor(task.credentialName)) };
  }

  /** Brings the task's mirror up to date with the remote (creating it the first time). */
  async sync(task: RemoteTask): Promise<void> {
    const remote = await this.remoteOf(task);
    if (remote) await this.mirrors.sync(remote);
  }

  /** Makes sure this machine's mirror holds `commit` (an attempt's base), fetching only when it does not. */
  async fetchCommit(task: RemoteTask, commit: string): Promise<void> {
    const remote = await this.remoteOf(task);
    if (remote) await this.mirrors.sync(remote, { unlessHas: commit });
  }

  /**
   * Pushes one of the service's own attempt branches, replacing what an earlier run of the same
   * attempt pushed (a re-run after a crash starts the branch afresh). Never throws: the outcome
   * is told as a progress event of the attempt, whose work stays on its local branch either way.
   * `resolved` is the remote looked up beforehand, for a push made inside a transaction.
   */
  async pushAttemptBranch(task: RemoteTask, branch: string, resolved?: Remote): Promise<PushOutcome> {
    // Forcing is only ever for the service's own branches, never a user's.
    if (!isServiceBranch(branch)) throw new Error(`refusing to force-push ${branch}: not an attempt branch`);
    try {
      const remote = resolved ?? (await this.remoteOf(task));
      if (!remote) return { pushed: false, message: 'not a remote repository: nothing to push' };
      const { rejected } = await this.push(task, remote, branch, `+refs/heads/${branch}:refs/heads/${branch}`);
      if (rejected.length > 0) return { pushed: false, message: `push of ${branch} failed: the remote refused it` };
      return { pushed: true, message: `pushed ${branch} to ${remote.url}` };
    } catch (error) {
      return { pushed: false, message: `push of ${branch} failed: ${(error as Error).message}` };
    }
  }

  /**
   * Pushes a branch the merge moved in the mirror (a user's branch) without force: 'rejected'
   * when the remote branch moved since the mirror was fetched. Failures to reach the remote throw.
   */
  async pushMergedBranch(task: RemoteTask, branch: string): Promise<'pushed' | 'rejected'> {
    const remote = await this.remoteOf(task);
    if (!remote) throw new Error(`task repository ${task.repositoryPath} has no remote`);
    const { rejected } = await this.push(task, remote, branch, `refs/heads/${branch}:refs/heads/${branch}`);
    return rejected.length > 0 ? 'rejected' : 'pushed';
  }

  /** One push, traced (tracing on) as a client span of whatever asked for it (an attempt, a task's end, a merge, a pull request). */
  private push(task: RemoteTask, remote: Remote, branch: string, refspec: string): ReturnType<RemoteMirrors['push']> {
    return inSpan(
      'git push',
      { 'kage.git.branch': branch, 'kage.git.force': refspec.startsWith('+') },
      async (span) => {
        const result = await this.mirrors.push(task.repositoryPath, remote, [refspec]);
        if (result.rejected.length > 0) failSpan(span, `the remote refused ${branch}`, 'rejected');
        return result;
      },
      { kind: SpanKind.CLIENT },
    );
  }

  async deleteRemoteBranches(task: RemoteTask, branches: readonly string[]): Promise<void> {
    const remote = await this.remoteOf(task);
    if (remote) await this.mirrors.deleteRemoteBranches(task.repositoryPath, remote, branches);
  }
}
