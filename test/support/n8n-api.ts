/**
 * Talks to a running n8n the way a user or script would: the internal REST API (`/rest`, cookie
 * session of the owner) for what the public API lacks (API keys, node types), and the public API
 * (`/api/v1`, X-N8N-API-KEY) for credentials and executions.
 */
import type { N8nOwner } from './n8n-server.ts';

export interface N8nExecution {
  id: string;
  workflowId: string;
  status: string;
  finished: boolean;
  mode: string;
  startedAt: string;
  stoppedAt: string | null;
  /** With `includeData`: the run data, `data.resultData.runData[nodeName][run].data.main[output][item].json`. */
  data?: { resultData?: { runData?: Record<string, unknown[]>; error?: unknown; lastNodeExecuted?: string } };
}

export class N8nApiError extends Error {
  readonly status: number;
  constructor(method: string, path: string, status: number, body: string) {
    super(`n8n ${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'N8nApiError';
    this.status = status;
  }
}

export class N8nClient {
  readonly baseUrl: string;
  private cookie: string | undefined;
  private apiKey: string | undefined;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  /** Logs the owner in; later /rest calls carry the session cookie, which is returned (`n8n-auth=…`). */
  async login(owner: N8nOwner): Promise<string> {
    const response = await fetch(`${this.baseUrl}/rest/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
    });
    if (!response.ok) throw new N8nApiError('POST', '/rest/login', response.status, await response.text());
    await response.body?.cancel();
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
    if (!cookie) throw new Error('n8n login set no n8n-auth cookie');
    this.cookie = cookie.split(';')[0]!;
    return this.cookie;
  }

  /** Creates a public-API key with every scope the owner may grant; later /api/v1 calls use it. */
  async createApiKey(label = 'kage-bunshin e2e'): Promise<string> {
    const scopes = await this.rest<string[]>('GET', '/api-keys/scopes');
    const created = await this.rest<{ rawApiKey: string }>('POST', '/api-keys', { label, scopes, expiresAt: null });
    this.apiKey = created.rawApiKey;
    return created.rawApiKey;
  }

  /** Names of every node type n8n loaded, e.g. `n8n-nodes-base.webhook`. */
  async nodeTypeNames(): Promise<string[]> {
    return await this.typeNames('/types/nodes.json');
  }

  /** Names of every credential type n8n loaded, e.g. `httpHeaderAuth`. */
  async credentialTypeNames(): Promise<string[]> {
    return await this.typeNames('/types/credentials.json');
  }

  async createCredential(credential: { name: string; type: string; data: Record<string, unknown> }): Promise<string> {
    const created = await this.publicApi<{ id: string }>('POST', '/credentials', credential);
    return created.id;
  }

  /**
   * Publishes (activates) a workflow on the running n8n, registering its webhooks and triggers,
   * as the editor's Publish button does. A workflow imported with the CLI while n8n runs needs this.
   */
  async publishWorkflow(id: string): Promise<void> {
    await this.publicApi('POST', `/workflows/${encodeURIComponent(id)}/publish`);
  }

  /** Executions, newest first, with their run data. */
  async listExecutions(filter: { workflowId?: string; status?: string } = {}): Promise<N8nExecution[]> {
    const query = new URLSearchParams({ includeData: 'true', limit: '100' });
    if (filter.workflowId) query.set('workflowId', filter.workflowId);
    if (filter.status) query.set('status', filter.status);
    const page = await this.publicApi<{ data: N8nExecution[] }>('GET', `/executions?${query}`);
    return page.data;
  }

  /** Polls the executions until one matches (executions are saved after they finish). */
  async waitForExecution(
    filter: { workflowId?: string },
    matches: (execution: N8nExecution) => boolean,
    timeoutMs = 60_000,
  ): Promise<N8nExecution> {
    const deadline = Date.now() + timeoutMs;
    let seen: N8nExecution[] = [];
    while (Date.now() < deadline) {
      seen = await this.listExecutions(filter);
      const found = seen.find(matches);
      if (found) return found;
      await delay(500);
    }
    const summary = seen.map((e) => `${e.id}:${e.status}`).join(', ') || 'none';
    throw new Error(`no matching n8n execution within ${timeoutMs} ms (workflow ${filter.workflowId ?? 'any'}; seen ${summary})`);
  }

  /**
   * Calls a production webhook, retrying while n8n answers 404: an active workflow's webhooks are
   * registered shortly after n8n reports ready.
   */
  async callWebhook(path: string, init: RequestInit = {}, timeoutMs = 60_000): Promise<Response> {
    const url = `${this.baseUrl}/webhook/${path.replace(/^\//, '')}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await fetch(url, init);
      if (response.status !== 404 || Date.now() > deadline) return response;
      await response.body?.cancel();
      await delay(500);
    }
  }

  async rest<T>(method: string, path: string, body?: unknown): Promise<T> {
    const parsed = await this.request(method, `/rest${path}`, this.sessionHeaders(), body);
    return (parsed as { data: T }).data;
  }

  async publicApi<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.apiKey) throw new Error('no n8n API key yet: call createApiKey() first');
    return (await this.request(method, `/api/v1${path}`, { 'X-N8N-API-KEY': this.apiKey }, body)) as T;
  }

  private async typeNames(path: string): Promise<string[]> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers: this.sessionHeaders() });
    if (!response.ok) throw new N8nApiError('GET', path, response.status, await response.text());
    const types = (await response.json()) as { name: string }[];
    return types.map((t) => t.name);
  }

  private sessionHeaders(): Record<string, string> {
    if (!this.cookie) throw new Error('not logged in to n8n: call login() first');
    return { cookie: this.cookie };
  }

  private async request(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new N8nApiError(method, path, response.status, text);
    return text ? JSON.parse(text) : undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
