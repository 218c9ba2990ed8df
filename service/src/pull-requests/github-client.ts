import { Octokit } from '@octokit/rest';
import { type ForgeAccess, type ForgeClient, forgeRefused, type NewPullRequest, type OpenedPullRequest, ownerAndName } from './forge-contract.ts';

/** GitHub (and GitHub Enterprise through `apiUrl`) via Octokit. */
export class GitHubClient implements ForgeClient {
  private readonly octokit: Octokit;
  private readonly owner: string;
  private readonly repo: string;

  constructor(access: ForgeAccess) {
    this.octokit = new Octokit({ auth: access.token, baseUrl: access.apiUrl, userAgent: 'kage-bunshin', log: silentLog });
    ({ owner: this.owner, repo: this.repo } = ownerAndName(access.repoPath));
  }

  async findOpen(head: string, base: string): Promise<OpenedPullRequest | undefined> {
    const { data } = await this.call(() => this.octokit.rest.pulls.list({ owner: this.owner, repo: this.repo, state: 'open', head: `${this.owner}:${head}`, base }));
    const found = data[0];
    return found && { url: found.html_url, number: found.number };
  }

  async create(request: NewPullRequest): Promise<OpenedPullRequest> {
    const { data } = await this.call(() =>
      this.octokit.rest.pulls.create({ owner: this.owner, repo: this.repo, title: request.title, body: request.body, head: request.head, base: request.base, draft: request.draft }),
    );
    return { url: data.html_url, number: data.number };
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const { status, message } = error as { status?: number; message: string };
      throw forgeRefused('github', status, message);
    }
  }
}

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
