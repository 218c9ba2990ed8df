/**
 * The MCP tools, one REST route each (wait_for_task reads the progress stream, then the task).
 * Their input schemas are the REST API's own zod schemas (body, path and query parts merged), so
 * the two cannot drift; each names the scope its route declares (api/route-access.ts), checked first
 * when the caller's key is known.
 */
import { z } from '@hono/zod-openapi';
import type { Scope } from '../access/scopes.ts';
import { FollowUpBody, FollowUpParams } from '../api/routes/follow-up-routes.ts';
import { AgentLabel, MergeBody } from '../api/schemas/merge-schemas.ts';
import { PullRequestBody } from '../api/schemas/pull-request-schemas.ts';
import { ListTasksQuery, SubmitTaskBody, TaskIdParam } from '../api/schemas/task-schemas.ts';

export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  scope: Scope;
  /** The route it calls, as Hono writes it; `:name` parts come from the arguments of that name. */
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  input: z.ZodObject;
  readOnly: boolean;
}

export const WaitInput = TaskIdParam.extend({
  timeoutSeconds: z.number().int().min(1).max(3600).default(50).describe(
    'How long to wait before answering with the task as it is (done: false); call again to wait on. Progress notifications arrive meanwhile.',
  ),
});

export const tools: readonly ToolSpec[] = [
  {
    name: 'submit_task',
    title: 'Submit a best-of-N task',
    description:
      'Runs several coding agents (claude, codex, gemini, aider, opencode, cursor, or command: any program) on one task in parallel git worktrees of a repository, ' +
      'checks each attempt with the verify command (protect: files an attempt may not change), ranks them and names a winner. Answers at once with the task (status pending); ' +
      'then call wait_for_task.',
    scope: 'tasks:write',
    method: 'POST',
    path: '/tasks',
    input: SubmitTaskBody,
    readOnly: false,
  },
  {
    name: 'get_task',
    title: 'Read a task',
    description: 'A task with every attempt: status, verify result, score, cost, why it ranked where it did, the winner, and links to the review pages.',
    scope: 'tasks:read',
    method: 'GET',
    path: '/tasks/:id',
    input: TaskIdParam,
    readOnly: true,
  },
  {
    name: 'list_tasks',
    title: 'List tasks',
    description: 'Tasks, newest first (a key sees its own unless it has tasks:read-all).',
    scope: 'tasks:read',
    method: 'GET',
    path: '/tasks',
    input: ListTasksQuery,
    readOnly: true,
  },
  {
    name: 'wait_for_task',
    title: 'Wait for a task to finish',
    description:
      "Waits until the task completes, fails or is cancelled, sending a progress notification for each event (attempts starting, progressing, finishing, verify), then answers with the task. " +
      'done: false when timeoutSeconds passed first.',
    scope: 'tasks:read',
    method: 'GET',
    path: '/tasks/:id/progress',
    input: WaitInput,
    readOnly: true,
  },
  {
    name: 'get_diff',
    title: "An attempt's diff",
    description: 'The unified diff of an attempt against the commit the task started from, with per-file stats. agent: an attempt label such as claude-1, or best (the default).',
    scope: 'tasks:read',
    method: 'GET',
    path: '/tasks/:id/diff',
    input: TaskIdParam.extend({ agent: AgentLabel.optional() }),
    readOnly: true,
  },
  {
    name: 'merge_task',
    title: 'Merge an attempt',
    description:
      "Merges an attempt (agent, default best: the winner) into the branch the task started from, or targetBranch. An attempt that failed verify is refused unless allowUnverified is true; merge untested work only on purpose.",
    scope: 'merge',
    method: 'POST',
    path: '/tasks/:id/merge',
    input: MergeBody.extend(TaskIdParam.shape),
    readOnly: false,
  },
  {
    name: 'open_pull_request',
    title: 'Open a pull request',
    description: "Pushes an attempt's branch and opens a pull request (GitHub, GitLab, Gitea) for it instead of merging; an unverified attempt needs allowUnverified.",
    scope: 'merge',
    method: 'POST',
    path: '/tasks/:id/pull-request',
    input: PullRequestBody.extend(TaskIdParam.shape),
    readOnly: false,
  },
  {
    name: 'follow_up',
    title: 'Follow up on an attempt',
    description: "Continues a finished attempt with another prompt: the agent's session resumed where its CLI can, a new commit, verify and ranking again. Then call wait_for_task.",
    scope: 'tasks:write',
    method: 'POST',
    path: '/tasks/:id/attempts/:label/follow-up',
    input: FollowUpBody.extend(FollowUpParams.shape),
    readOnly: false,
  },
  {
    name: 'cancel_task',
    title: 'Cancel a task',
    description: 'Stops every agent process of a running task.',
    scope: 'tasks:write',
    method: 'DELETE',
    path: '/tasks/:id',
    input: TaskIdParam,
    readOnly: false,
  },
  {
    name: 'discard_task',
    title: "Discard a task's attempts",
    description: "Removes a task's worktrees and attempt branches without merging.",
    scope: 'merge',
    method: 'POST',
    path: '/tasks/:id/discard',
    input: TaskIdParam,
    readOnly: false,
  },
  {
    name: 'list_agents',
    title: 'List agents',
    description: 'The agents this service can run, whether each CLI is installed, and the sandbox.',
    scope: 'tasks:read',
    method: 'GET',
    path: '/agents',
    input: z.object({}),
    readOnly: true,
  },
];

/** The request a tool's arguments make: path parts filled in, the rest as the query (GET, DELETE) or the JSON body. */
export function requestOf(tool: Pick<ToolSpec, 'method' | 'path'>, args: Record<string, unknown>): { path: string; body: unknown } {
  const rest: Record<string, unknown> = { ...args };
  const path = tool.path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    const value = rest[name];
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  if (tool.method === 'POST') return { path, body: rest };
  const query = new URLSearchParams(Object.entries(rest).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : [[name, String(value)]])));
  return { path: query.size > 0 ? `${path}?${query}` : path, body: undefined };
}

/** A tool's input as JSON Schema (what tools/list shows): the service's zod, as the API reads it. */
export function inputJsonSchema(tool: Pick<ToolSpec, 'input'>): { type: 'object'; [key: string]: unknown } {
  const schema: Record<string, unknown> = { ...z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) };
  delete schema.$schema;
  return { ...schema, type: 'object' };
}
