/**
 * A loopback stand-in for the GitHub REST API's pull-request endpoints, for tests that cannot
 * reach GitHub. Every request is checked against GitHub's own OpenAPI description
 * (`@octokit/openapi`): the operation must exist, path and query parameters and the JSON body
 * must match its schemas, and the token must be the one configured. Answers are GitHub's
 * documented example responses with this pull request's values filled in. A pull request
 * whose head branch was not pushed to the git server first is refused, as GitHub does (422).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { branchExists, readBody, send } from './stand-in-http.ts';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';


interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Record<string, unknown>;
}

interface Operation {
  method: string;
  pattern: RegExp;
  pathNames: string[];
  parameters: Parameter[];
  body: ValidateFunction | undefined;
  bodyRequired: boolean;
  example: Record<string, unknown> | undefined;
}

export interface StoredPullRequest {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export interface GitHubStandIn {
  /** The base URL to give Octokit (`baseUrl`) or a credential (`apiUrl`). */
  url: string;
  pullRequests: StoredPullRequest[];
  /** Requests refused for not matching the OpenAPI description, with why. */
  invalidRequests: string[];
  stop(): Promise<void>;
}

const pullRequestPaths = ['/repos/{owner}/{repo}/pulls', '/repos/{owner}/{repo}/pulls/{pull_number}'];

let description: { paths: Record<string, Record<string, any>> } | undefined;

function loadOperations(): Operation[] {
  description ??= JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.deref.json'), 'utf8'),
  ) as { paths: Record<string, Record<string, any>> };
  // GitHub's description uses formats of its own (repo.nwo, uri-template): known, not checked.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajvFormats.default(ajv);
  for (const format of ['repo.nwo', 'uri-template', 'int64', 'int32']) ajv.addFormat(format, true);
  return pullRequestPaths.flatMap((path) =>
    Object.entries(description!.paths[path]!).map(([method, operation]) => {
      const pathNames = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
      const json = operation.requestBody?.content?.['application/json'];
      const success = Object.entries(operation.responses as Record<string, any>).find(([status]) => status.startsWith('2'))?.[1];
      return {
        method: method.toUpperCase(),
        pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '([^/]+)')}$`),
        pathNames,
        parameters: (operation.parameters ?? []) as Parameter[],
        body: json ? ajv.compile(json.schema) : undefined,
        bodyRequired: operation.requestBody?.required === true,
        example: success?.content?.['application/json']?.examples?.default?.value,
      };
    }),
  );
}

export async function startGitHubStandIn(options: {
  token: string;
  owner: string;
  repo: string;
  /** The bare repository the git server serves for owner/repo: head branches must exist there. */
  gitDir: string;
}): Promise<GitHubStandIn> {
  const operations = loadOperations();
  const state: GitHubStandIn = { url: '', pullRequests: [], invalidRequests: [], stop: async () => {} };
  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { message: String(error) }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // Served under /api/v3, as GitHub Enterprise is: the path Octokit is given as baseUrl.
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const operation = operations.find((candidate) => candidate.method === request.method && candidate.pattern.test(path));
    if (!operation) return refuse(response, 404, `${request.method} ${path} is not an operation this stand-in knows`);
    if (request.headers.authorization !== `token ${options.token}` && request.headers.authorization !== `Bearer ${options.token}`) {
      return send(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const pathValues = Object.fromEntries(operation.pathNames.map((name, index) => [name, decodeURIComponent(operation.pattern.exec(path)![index + 1]!)]));
    const problems = checkParameters(operation, pathValues, url.searchParams);
    const text = await readBody(request);
    let body: Record<string, unknown> | undefined;
    if (text) {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        problems.push('the body is not JSON');
      }
    }
    if (operation.bodyRequired && body === undefined) problems.push('the body is required');
    if (body !== undefined && operation.body && !operation.body(body)) {
      problems.push(...(operation.body.errors ?? []).map((error) => `body${error.instancePath} ${error.message}`));
    }
    if (problems.length > 0) return refuse(response, 422, problems.join('; '));
    if (pathValues.owner !== options.owner || pathValues.repo !== options.repo) return send(response, 404, { message: 'Not Found' });

    if (request.method === 'GET' && pathValues.pull_number === undefined) {
      const head = url.searchParams.get('head');
      const wantedState = url.searchParams.get('state') ?? 'open';
      const matching = state.pullRequests.filter(
        (pr) =>
          (wantedState === 'all' || pr.state === wantedState) &&
          (!head || `${options.owner}:${pr.head}` === head) &&
          (!url.searchParams.get('base') || pr.base === url.searchParams.get('base')),
      );
      return send(response, 200, matching.map((pr) => present(operation.example, pr)));
    }
    if (request.method === 'POST') {
      const { title, head, base, draft } = body as { title?: string; head: string; base: string; draft?: boolean };
      if (!(await branchExists(options.gitDir, head))) {
        return send(response, 422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] });
      }
      if (!(await branchExists(options.gitDir, base))) {
        return send(response, 422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'base', code: 'invalid' }] });
      }
      if (state.pullRequests.some((pr) => pr.state === 'open' && pr.head === head && pr.base === base)) {
        return send(response, 422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${options.owner}:${head}.` }] });
      }
      const pr: StoredPullRequest = { number: state.pullRequests.length + 1, title: title ?? '', body: String((body as { body?: string }).body ?? ''), head, base, draft: draft === true, state: 'open' };
      state.pullRequests.push(pr);
      return send(response, 201, present(operation.example, pr));
    }
    const pr = state.pullRequests.find((candidate) => String(candidate.number) === pathValues.pull_number);
    if (!pr) return send(response, 404, { message: 'Not Found' });
    return send(response, 200, present(operation.example, pr));
  }

  function refuse(response: ServerResponse, status: number, why: string): void {
    state.invalidRequests.push(why);
    send(response, status, { message: why });
  }

  function present(example: Record<string, unknown> | undefined, pr: StoredPullRequest): Record<string, unknown> {
    const base = structuredClone((Array.isArray(example) ? example[0] : example) ?? {}) as Record<string, any>;
    const html = `${state.url.replace('/api/v3', '')}/${options.owner}/${options.repo}/pull/${pr.number}`;
    return {
      ...base,
      number: pr.number,
      html_url: html,
      url: `${state.url}/repos/${options.owner}/${options.repo}/pulls/${pr.number}`,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      head: { ...base.head, ref: pr.head, label: `${options.owner}:${pr.head}` },
      base: { ...base.base, ref: pr.base, label: `${options.owner}:${pr.base}` },
    };
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/v3`;
  state.stop = () => new Promise((resolve) => http.close(() => resolve()));
  http.on('connection', (socket) => socket.unref());
  return state;
}

function checkParameters(operation: Operation, pathValues: Record<string, string>, query: URLSearchParams): string[] {
  const problems: string[] = [];
  for (const parameter of operation.parameters) {
    const value = parameter.in === 'path' ? pathValues[parameter.name] : parameter.in === 'query' ? query.get(parameter.name) : undefined;
    if (value === undefined || value === null) {
      if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name} is required`);
      continue;
    }
    const schema = parameter.schema as { type?: string; enum?: string[] };
    if (schema.enum && !schema.enum.includes(value)) problems.push(`${parameter.name} must be one of ${schema.enum.join(', ')}`);
    if (schema.type === 'integer' && !/^\d+$/.test(value)) problems.push(`${parameter.name} must be an integer`);
  }
  const known = new Set(operation.parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name));
  for (const name of query.keys()) if (!known.has(name)) problems.push(`unknown query parameter ${name}`);
  return problems;
}
