/**
 * Loopback stand-ins for the merge-request endpoints of GitLab (`/api/v4`) and the pull-request
 * endpoints of Gitea/Forgejo (`/api/v1`), driven by the real gitbeaker client and the service's
 * Gitea client. GitLab's and Gitea's published API descriptions cannot be installed on these
 * machines (neither is on npm), so each request is checked against the fields their API
 * documentation lists: required fields present and typed, no unknown ones, the token in the
 * documented header, and the head branch pushed to the git server first, as both forges demand.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { branchExists, readBody, send } from './stand-in-http.ts';

export interface StandInPullRequest {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open';
}

export interface ForgeStandIn {
  /** The credential's `apiUrl`: `…/api/v4` (GitLab) or `…/api/v1` (Gitea). */
  apiUrl: string;
  pullRequests: StandInPullRequest[];
  invalidRequests: string[];
  stop(): Promise<void>;
}

interface Endpoint {
  method: string;
  path: RegExp;
  query?: Record<string, 'string' | 'integer'>;
  body?: { required: Record<string, 'string'>; optional: Record<string, 'string' | 'boolean' | 'integer'> };
}

interface Flavour {
  prefix: string;
  authorised(request: IncomingMessage, token: string): boolean;
  list: Endpoint;
  create: Endpoint;
  /** The request's branches and text, in the common shape. */
  read(body: Record<string, unknown>): { title: string; body: string; head: string; base: string };
  matches(pr: StandInPullRequest, query: URLSearchParams): boolean;
  present(pr: StandInPullRequest, webBase: string): Record<string, unknown>;
}

const gitlab: Flavour = {
  prefix: '/api/v4',
  authorised: (request, token) => request.headers['private-token'] === token,
  list: {
    method: 'GET',
    path: /^\/projects\/acme%2Fapp\/merge_requests$/,
    query: { state: 'string', source_branch: 'string', target_branch: 'string', page: 'integer', per_page: 'integer', pagination: 'string' },
  },
  create: {
    method: 'POST',
    path: /^\/projects\/acme%2Fapp\/merge_requests$/,
    body: { required: { source_branch: 'string', target_branch: 'string', title: 'string' }, optional: { description: 'string', remove_source_branch: 'boolean', squash: 'boolean' } },
  },
  read: (body) => ({ title: String(body.title), body: String(body.description ?? ''), head: String(body.source_branch), base: String(body.target_branch) }),
  matches: (pr, query) =>
    (query.get('state') ?? 'opened') === 'opened' &&
    (!query.get('source_branch') || query.get('source_branch') === pr.head) &&
    (!query.get('target_branch') || query.get('target_branch') === pr.base),
  present: (pr, web) => ({
    id: 1000 + pr.number,
    iid: pr.number,
    project_id: 1,
    title: pr.title,
    description: pr.body,
    state: 'opened',
    draft: pr.title.startsWith('Draft: '),
    source_branch: pr.head,
    target_branch: pr.base,
    web_url: `${web}/acme/app/-/merge_requests/${pr.number}`,
  }),
};

const gitea: Flavour = {
  prefix: '/api/v1',
  authorised: (request, token) => request.headers.authorization === `token ${token}`,
  list: { method: 'GET', path: /^\/repos\/acme\/app\/pulls$/, query: { state: 'string', sort: 'string', limit: 'integer', page: 'integer' } },
  create: {
    method: 'POST',
    path: /^\/repos\/acme\/app\/pulls$/,
    body: { required: { head: 'string', base: 'string', title: 'string' }, optional: { body: 'string', assignee: 'string', milestone: 'integer' } },
  },
  read: (body) => ({ title: String(body.title), body: String(body.body ?? ''), head: String(body.head), base: String(body.base) }),
  matches: (pr, query) => (query.get('state') ?? 'open') === pr.state,
  present: (pr, web) => ({
    id: 2000 + pr.number,
    number: pr.number,
    title: pr.title,
    body: pr.body,
    state: 'open',
    html_url: `${web}/acme/app/pulls/${pr.number}`,
    head: { ref: pr.head, label: pr.head },
    base: { ref: pr.base, label: pr.base },
  }),
};

export function startGitLabStandIn(options: { token: string; gitDir: string }): Promise<ForgeStandIn> {
  return startStandIn(gitlab, options);
}

export function startGiteaStandIn(options: { token: string; gitDir: string }): Promise<ForgeStandIn> {
  return startStandIn(gitea, options);
}

async function startStandIn(flavour: Flavour, options: { token: string; gitDir: string }): Promise<ForgeStandIn> {
  const state: ForgeStandIn = { apiUrl: '', pullRequests: [], invalidRequests: [], stop: async () => {} };
  let web = '';
  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { message: String(error) }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname.startsWith(flavour.prefix) ? request.url!.slice(flavour.prefix.length).split('?')[0]! : '';
    const endpoint = [flavour.list, flavour.create].find((candidate) => candidate.method === request.method && candidate.path.test(path));
    if (!endpoint) return refuse(response, 404, `${request.method} ${url.pathname} is not an endpoint this stand-in knows`);
    if (!flavour.authorised(request, options.token)) return send(response, 401, { message: '401 Unauthorized' });
    const problems = [...checkQuery(endpoint, url.searchParams)];
    let body: Record<string, unknown> = {};
    if (endpoint.body) {
      const text = await readBody(request);
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        problems.push('the body is not JSON');
      }
      problems.push(...checkBody(endpoint.body, body));
    }
    if (problems.length > 0) return refuse(response, 400, problems.join('; '));
    if (endpoint === flavour.list) {
      return send(response, 200, state.pullRequests.filter((pr) => flavour.matches(pr, url.searchParams)).map((pr) => flavour.present(pr, web)));
    }
    const wanted = flavour.read(body);
    for (const branch of [wanted.head, wanted.base]) {
      if (!(await branchExists(options.gitDir, branch))) return send(response, 422, { message: `branch ${branch} does not exist` });
    }
    if (state.pullRequests.some((pr) => pr.head === wanted.head && pr.base === wanted.base)) {
      return send(response, 409, { message: 'a pull request for these branches exists already' });
    }
    const pr: StandInPullRequest = { number: state.pullRequests.length + 1, ...wanted, state: 'open' };
    state.pullRequests.push(pr);
    send(response, 201, flavour.present(pr, web));
  }

  function refuse(response: ServerResponse, status: number, why: string): void {
    state.invalidRequests.push(why);
    send(response, status, { message: why });
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  web = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  state.apiUrl = `${web}${flavour.prefix}`;
  state.stop = () => new Promise((resolve) => http.close(() => resolve()));
  http.on('connection', (socket) => socket.unref());
  return state;
}

function checkQuery(endpoint: Endpoint, query: URLSearchParams): string[] {
  const problems: string[] = [];
  for (const [name, value] of query) {
    const type = endpoint.query?.[name];
    if (!type) problems.push(`unknown query parameter ${name}`);
    else if (type === 'integer' && !/^\d+$/.test(value)) problems.push(`${name} must be an integer`);
  }
  return problems;
}

function checkBody(spec: NonNullable<Endpoint['body']>, body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, type] of Object.entries(spec.required)) {
    if (typeof body[name] !== type) problems.push(`body.${name} is required (${type})`);
  }
  for (const [name, value] of Object.entries(body)) {
    const type = spec.required[name] ?? spec.optional[name];
    if (!type) problems.push(`unknown body field ${name}`);
    else if (type === 'integer' ? !Number.isInteger(value) : typeof value !== type) problems.push(`body.${name} must be ${type}`);
  }
  return problems;
}
