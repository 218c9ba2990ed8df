import { Gitlab } from '@gitbeaker/rest';
import { type ForgeAccess, type ForgeClient, forgeRefused, type NewPullRequest, type OpenedPullRequest } from './forge-contract.ts';

/** GitLab merge requests via gitbeaker; `apiUrl` is the instance's `…/api/v4`. */
export class GitLabClient implements ForgeClient {
  private readonly api: InstanceType<typeof Gitlab>;
  private readonly projectId: string;

  constructor(access: ForgeAccess) {
    this.api = new Gitlab({ host: access.apiUrl.replace(/\/api\/v4\/?$/, ''), token: access.token });
    this.projectId = access.repoPath;
  }

  async findOpen(head: string, base: string): Promise<OpenedPullRequest | undefined> {
    const found = await this.call(() => this.api.MergeRequests.all({ projectId: this.projectId, sourceBranch: head, targetBranch: base, state: 'opened' }));
    const first = found[0];
    return first && { url: String(first.web_url), number: Number(first.iid) };
  }

  async create(request: NewPullRequest): Promise<OpenedPullRequest> {
    // GitLab marks a draft by its title.
    const title = request.draft ? `Draft: ${request.title}` : request.title;
    const created = await this.call(() => this.api.MergeRequests.create(this.projectId, request.head, request.base, title, { description: request.body }));
    return { url: String(created.web_url), number: Number(created.iid) };
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const cause = (error as { cause?: { response?: { status?: number }; description?: string } }).cause;
      throw forgeRefused('gitlab', cause?.response?.status, cause?.description ?? (error as Error).message);
    }
  }
}
