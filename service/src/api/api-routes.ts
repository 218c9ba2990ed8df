/**
 * Every /api/v1 route module, each registered the same way: `registerXRoutes(api, deps)`, its
 * routes declaring their scopes (route-access.ts).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiKeyStore } from '../access/api-key-store.ts';
import type { CredentialStore } from '../credentials/credential-store.ts';
import type { MergeService } from '../merge/merge-service.ts';
import type { PullRequestService } from '../pull-requests/pull-request-service.ts';
import type { PushAgain } from '../tasks/push-again.ts';
import type { ApiEnv } from './context-variables.ts';
import { type InstanceControl, registerAdminRoutes } from './routes/admin-routes.ts';
import { type AgentRouteDeps, registerAgentRoutes } from './routes/agent-routes.ts';
import { registerCredentialRoutes } from './routes/credential-routes.ts';
import { type EventRouteDeps, registerEventRoutes } from './routes/event-routes.ts';
import { type FollowUpRouteDeps, registerFollowUpRoutes } from './routes/follow-up-routes.ts';
import { registerKeyRoutes } from './routes/key-routes.ts';
import { registerMergeRoutes } from './routes/merge-routes.ts';
import { registerPullRequestRoutes } from './routes/pull-request-routes.ts';
import { registerPushRoutes } from './routes/push-routes.ts';
import { registerTaskRoutes, type TaskRouteDeps } from './routes/task-routes.ts';
import { registerWebhookRoutes, type WebhookRouteDeps } from './routes/webhook-routes.ts';

export interface ApiRouteDeps {
  tasks: TaskRouteDeps;
  followUps: FollowUpRouteDeps;
  events: EventRouteDeps;
  webhooks: WebhookRouteDeps;
  merges: MergeService;
  pullRequests: PullRequestService;
  pushes: PushAgain;
  agents: AgentRouteDeps;
  credentials: CredentialStore;
  keys: ApiKeyStore;
  admin: InstanceControl;
}

export function registerApiRoutes(api: OpenAPIHono<ApiEnv>, deps: ApiRouteDeps): void {
  registerTaskRoutes(api, deps.tasks);
  registerFollowUpRoutes(api, deps.followUps);
  registerEventRoutes(api, deps.events);
  registerWebhookRoutes(api, deps.webhooks);
  registerMergeRoutes(api, deps.merges);
  registerPullRequestRoutes(api, deps.pullRequests);
  registerPushRoutes(api, deps.pushes);
  registerAgentRoutes(api, deps.agents);
  registerCredentialRoutes(api, deps.credentials);
  registerKeyRoutes(api, deps.keys);
  registerAdminRoutes(api, deps.admin);
}
