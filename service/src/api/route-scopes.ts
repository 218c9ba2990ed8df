import type { Scope } from '../access/scopes.ts';

/**
 * The scope each /api/v1 route needs, by method and path. A route missing here needs `admin`,
 * so a new route is closed until someone decides who may call it.
 */
const table: ReadonlyArray<readonly [method: string, path: string, scope: Scope]> = [
  ['GET', '/agents', 'tasks:read'],
  // Figures from the tasks the key may see (its own without tasks:read-all).
  ['GET', '/agents/stats', 'tasks:read'],
  ['GET', '/tasks/stats', 'tasks:read-all'],
  ['GET', '/tasks', 'tasks:read'],
  ['POST', '/tasks', 'tasks:write'],
  ['GET', '/task-changes', 'tasks:read'],
  ['DELETE', '/tasks/:id', 'tasks:write'],
  ['POST', '/tasks/:id/attempts/:label/follow-up', 'tasks:write'],
  ['POST', '/tasks/:id/merge', 'merge'],
  ['POST', '/tasks/:id/discard', 'merge'],
  ['POST', '/tasks/:id/pull-request', 'merge'],
  ['*', '/tasks/:id/callbacks', 'webhooks'],
  ['*', '/tasks/:id/callbacks/:callback', 'webhooks'],
  ['GET', '/tasks/:id/deliveries', 'webhooks'],
  ['*', '/subscriptions', 'webhooks'],
  ['*', '/subscriptions/:id', 'webhooks'],
  ['GET', '/tasks/:id', 'tasks:read'],
  // events, progress, diff, conflicts, merges
  ['GET', '/tasks/:id/:view', 'tasks:read'],
  // API keys and git credentials: `admin`, as every route not listed.
];

const compiled = table.map(([method, path, scope]) => ({
  method,
  pattern: new RegExp(`^${path.replace(/:[a-z]+/g, '[^/]+')}$`),
  scope,
}));

/** The scope a request to `path` (below /api/v1) needs. */
export function scopeFor(method: string, path: string): Scope {
  const verb = method === 'HEAD' ? 'GET' : method;
  return compiled.find((route) => (route.method === '*' || route.method === verb) && route.pattern.test(path))?.scope ?? 'admin';
}
