import { IdempotencyKeyReusedError, TaskEndedError, TaskNotFoundError } from '../tasks/task-errors.ts';
import { InvalidWebhookSecretError } from '../webhooks/webhook-secret.ts';
import { WebhookUrlError } from '../webhooks/webhook-url.ts';
import { AgentNotAllowedError, ProtectedFlagError } from '../agents/agent-policy.ts';
import { badRequest, conflict, HttpError, notFound } from './http-error.ts';

/** Turns the typed refusals of tasks and webhooks into API errors (4xx with a code). */
export async function refusalsAsHttp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WebhookUrlError) throw badRequest('webhook_url_not_allowed', error.message, { url: error.url });
    if (error instanceof InvalidWebhookSecretError) throw badRequest('invalid_webhook_secret', error.message);
    if (error instanceof AgentNotAllowedError) {
      throw new HttpError(403, 'agent_not_allowed', error.message, { field: error.field, agent: error.agent, allowed: error.allowed });
    }
    if (error instanceof ProtectedFlagError) throw badRequest('protected_flag', error.message, { field: error.field, flag: error.flag });
    if (error instanceof TaskNotFoundError) throw notFound('Task', error.taskId);
    if (error instanceof TaskEndedError) throw conflict('task_ended', error.message);
    if (error instanceof IdempotencyKeyReusedError) throw conflict('idempotency_key_reused', error.message, { taskId: error.taskId });
    throw error;
  }
}
