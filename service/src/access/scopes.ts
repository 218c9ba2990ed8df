/**
 * What a key may do. `admin` may do everything; `tasks:read-all` reads every key's tasks (a
 * key otherwise sees only its own); the rest each open one group of routes (each route declares its own: api/route-access.ts).
 */
export const scopes = ['tasks:read', 'tasks:read-all', 'tasks:write', 'merge', 'webhooks', 'metrics', 'admin'] as const;
export type Scope = (typeof scopes)[number];

/** Who is calling: a key of API_KEYS (every scope) or one made through the API. */
export interface Principal {
  keyId: string;
  name: string;
  scopes: readonly Scope[];
  /** Local folders its tasks' repositories must lie in; null: the service's own roots only. */
  repositoryRoots: readonly string[] | null;
  /** Agents its tasks may run; null: every agent the service allows. */
  allowedAgents: readonly string[] | null;
}

export function allows(principal: Pick<Principal, 'scopes'>, scope: Scope): boolean {
  const held = principal.scopes;
  return held.includes('admin') || held.includes(scope) || (scope === 'tasks:read' && held.includes('tasks:read-all'));
}

export function readsAllTasks(principal: Pick<Principal, 'scopes'>): boolean {
  return allows(principal, 'tasks:read-all');
}
