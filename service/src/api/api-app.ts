/**
 * The authenticated API, mounted at /api/v1 by the HTTP root (http.ts): key or session, rate
 * limits, the scope each route declares, the task's visibility to the key, JSON bodies only.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { BrowserSessions } from '../access/browser-sessions.ts';
import type { KeyRing } from '../access/key-ring.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { ApiEnv } from './context-variables.ts';
import { apiKeyAuth } from './middleware/api-key-auth.ts';
import { jsonBodyOnly } from './middleware/json-body.ts';
import { storableQuery } from './middleware/storable-text.ts';
import { authFailureLimit, rateLimit } from './middleware/rate-limit.ts';
import { scopeCheck } from './middleware/scope-check.ts';
import { taskVisibility } from './middleware/task-visibility.ts';
import { assertEveryRouteDeclaresScope } from './route-access.ts';
import { validationError } from './validation-error.ts';

export const API_PREFIX = '/api/v1';

export interface ApiDeps {
  keys: KeyRing;
  /** Whose tasks a key may see (task-visibility.ts). */
  tasks: Pick<TaskRepository, 'ownerOf'>;
  rateLimitPerMinute: number;
  /** The review pages' sessions: with them, the API also accepts the session cookie. */
  sessions?: BrowserSessions | undefined;
  /** KAGE_PUBLIC_URL: its origin counts as our own for cookie-authenticated changes. */
  publicUrl?: string | undefined;
  /** Registers the routes (api-routes.ts; a test, the few it needs). */
  routes: (api: OpenAPIHono<ApiEnv>) => void;
}

export function createApi(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const api = new OpenAPIHono<ApiEnv>({ defaultHook: validationError });
  api.use(authFailureLimit(deps.keys));
  api.use(apiKeyAuth({ keys: deps.keys, sessions: deps.sessions, publicUrl: deps.publicUrl }));
  api.use(rateLimit(deps.rateLimitPerMinute));
  api.use(scopeCheck());
  api.use(taskVisibility(API_PREFIX, deps.tasks));
  api.use(jsonBodyOnly());
  api.use(storableQuery());
  deps.routes(api);
  assertEveryRouteDeclaresScope(api);
  return api;
}
