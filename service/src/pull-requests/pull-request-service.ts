/**
 * Opens the pull request (merge request on GitLab) for a URL task's attempt: pushes its branch
 * if needed, asks the credential's forge for an open one on that branch, opens one otherwise,
 * and records it on the task with a `pull_request.opened` event, once.
 */
import { reviewUrl } from '../tasks/review-url.ts';
import type { CredentialStore } from '../credentials/credential-store.ts';
import { defaultApiUrl, type ForgeKind } from '../credentials/forges.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';
import type { AttemptRecord } from '../model/attempt.ts';
import type { PullRequestRecord, TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import { parseRemoteUrl } from '../git/remote-url.ts';
import { requireVerified, selectAttempt, targetBranchOf } from '../merge/attempt-selection.ts';
import { Refusal } from '../refusal.ts';
import { forgeClient } from './forge-client.ts';
import type { ForgeClient } from './forge-contract.ts';
import { pullRequestBody, pullRequestTitle } from './pull-request-body.ts';
import { inSpan, setSpanFields } from '../tracing/spans.ts';
import { ATTEMPT, TASK_ID } from '../tracing/span-fields.ts';

export interface PullRequestRequest {
  /** An attempt label, or `best` (the default) for the winner. */
  agent?: string | undefined;
  targetBranch?: string | undefined;
  title?: string | undefined;
  draft: boolean;
  /** Propose an attempt that did not pass the task's verify command. */
  allowUnverified?: boolean | undefined;
}

export interface PullRequestServiceDeps {
  tasks: TaskRepository;
  events: EventStore;
  remotes: TaskRemotes;
  credentials: CredentialStore;
  /** Where people reach this service: the pull request links back to the task there. */
  publicUrl: string;
}

export class PullRequestService {
  private readonly deps: PullRequestServiceDeps;

  constructor(deps: PullRequestServiceDeps) {
    this.deps = deps;
  }

  async open(taskId: string, request: PullRequestRequest): Promise<{ pullRequest: PullRequestRecord; created: boolean }> {
    const { task, runs, run } = await selectAttempt(this.deps, taskId, request.agent, { finished: true });
    if (task.pullRequest) {
      if (task.pullRequest.branch === run.branch) return { pullRequest: task.pullRequest, created: false };
      throw new Refusal('conflict', 'pull_request_exists', `Task ${taskId} already has pull request ${task.pullRequest.url} (attempt ${task.pullRequest.agentLabel})`, {
        pullRequest: task.pullRequest,
      });
    }
    // Traced (tracing on) in the task's trace, whichever request and instance asked for it.
    return inSpan(
      'pull_request',
      { [TASK_ID]: taskId, [ATTEMPT]: run.label, 'kage.pull_request.draft': request.draft },
      async (span) => {
        const opened = await this.openFor(task, runs, run, request);
        setSpanFields(span, { 'kage.pull_request.url': opened.pullRequest.url, 'kage.pull_request.created': opened.created, 'kage.pull_request.forge': opened.pullRequest.forge });
        return opened;
      },
      { under: task.traceparent },
    );
  }

  private async openFor(task: TaskRecord, runs: AttemptRecord[], run: AttemptRecord, request: PullRequestRequest): Promise<{ pullRequest: PullRequestRecord; created: boolean }> {
    requireVerified(task, runs, run, request.allowUnverified ?? false);
    const { client, forge } = await this.client(task);
    await this.deps.remotes.sync(task);
    const targetBranch = await targetBranchOf(task, request.targetBranch);
    const push = await this.deps.remotes.pushAttemptBranch(task, run.branch);
    if (!push.pushed) throw new Refusal('conflict', 'push_failed', `${push.message}; a pull request needs the branch on the remote`);

    let opened = await client.findOpen(run.branch, targetBranch);
    const created = opened === undefined;
    if (!opened) {
      opened = await client.create({
        title: pullRequestTitle(task, request.title),
        body: pullRequestBody(task, runs, run, reviewUrl(this.deps.publicUrl, task.id)),
        head: run.branch,
        base: targetBranch,
        draft: request.draft,
      });
    }
    const pullRequest: PullRequestRecord = { ...opened, agentLabel: run.label, branch: run.branch, targetBranch, forge };
    const recorded = await this.deps.events.transaction(task.id, async (tx, record) => {
      if (!(await this.deps.tasks.setPullRequest(tx, task.id, pullRequest))) return false;
      await record([{ type: 'pull_request.opened', agentLabel: run.label, data: { ...pullRequest, created } }]);
      return true;
    });
    // A concurrent call recorded one first: answer with what is stored.
    if (!recorded) return { pullRequest: (await this.deps.tasks.get(task.id))!.pullRequest!, created: false };
    return { pullRequest, created };
  }

  private async client(task: TaskRecord): Promise<{ client: ForgeClient; forge: ForgeKind }> {
    if (!task.repositoryUrl) {
      throw new Refusal('conflict', 'not_a_remote_repository', `Task ${task.id} runs on a local path; a pull request needs a task whose repository is a url`);
    }
    if (!task.credentialName) {
      throw new Refusal('conflict', 'credential_required', `Task ${task.id} has no git credential; opening a pull request needs one with the forge's API token`);
    }
    const secret = await this.deps.credentials.secretFor(task.credentialName);
    if (secret.kind !== 'token') {
      throw new Refusal('conflict', 'forge_token_required', `Git credential ${task.credentialName} holds an SSH key; opening a pull request needs a token for the forge's API`);
    }
    if (!secret.forge) {
      throw new Refusal('conflict', 'forge_unknown', `Git credential ${task.credentialName} names no forge; create it again with forge github, gitlab or gitea`);
    }
    const remote = parseRemoteUrl(task.repositoryUrl, { allowFileUrls: true });
    const access = { forge: secret.forge, apiUrl: secret.apiUrl ?? defaultApiUrl(secret.forge, remote.host), token: secret.secret, repoPath: remote.repoPath };
    return { client: forgeClient(access), forge: secret.forge };
  }
}
