import { type ForgeAccess, type ForgeClient, forgeRefused, type NewPullRequest, type OpenedPullRequest, ownerAndName } from './forge-contract.ts';

interface GiteaPullRequest {
  number: number;
  html_url: string;
  head: { ref: string };
  base: { ref: string };
}

/** Gitea and Forgejo through their REST API (`…/api/v1`); there is no official JavaScript client. */
export class GiteaClient implements ForgeClient {
  private readonly access: ForgeAccess;
  private readonly repoUrl: string;

  constructor(access: ForgeAccess) {
    this.access = access;
    const { owner, repo } = ownerAndName(access.repoPath);
    this.repoUrl = `${access.apiUrl.replace(/\/$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
  }

  async findOpen(head: string, base: string): Promise<OpenedPullRequest | undefined> {
    for (let page = 1; page <= 20; page += 1) {
      const open = await this.request<GiteaPullRequest[]>('GET', `/pulls?state=open&limit=50&page=${page}`);
      const found = open.find((pr) => pr.head.ref === head && pr.base.ref === base);
      if (found) return { url: found.html_url, number: found.number };
      if (open.length < 50) return undefined;
    }
    return undefined;
  }

  async create(request: NewPullRequest): Promise<OpenedPullRequest> {
    // Gitea marks work in progress by a title prefix.
    const title = request.draft ? `WIP: ${request.title}` : request.title;
    const created = await this.request<GiteaPullRequest>('POST', '/pulls', { title, body: request.body, head: request.head, base: request.base });
    return { url: created.html_url, number: created.number };
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.repoUrl}${path}`, {
        method,
        headers: { authorization: `token ${this.access.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        redirect: 'error',
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw forgeRefused('gitea', undefined, `${this.access.apiUrl} cannot be reached: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw forgeRefused('gitea', response.status, errorMessage(text));
    return JSON.parse(text) as T;
  }
}

function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
