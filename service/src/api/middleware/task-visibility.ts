import type { MiddlewareHandler } from 'hono';
import { allows, readsAllTasks } from '../../access/scopes.ts';
import type { TaskRepository } from '../../db/task-repository.ts';
import { NotFoundError } from '../../refusal.ts';
import { HttpError } from '../http-error.ts';
import type { AuthVariables } from './api-key-auth.ts';

const taskPath = /^\/tasks\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/|$)/i;

/**
 * A key sees its own tasks unless it has tasks:read-all: another key's task answers 404, as if
 * it did not exist, so task ids do not leak across keys.
 *
 * Seeing is not owning: every change to a task (any method but GET and HEAD under /tasks/{id}:
 * cancel, follow-up, merge, discard, pull request, callbacks, and any route added later) is for
 * the key that submitted it or an admin key. Ownership rather than "the task passes the caller's
 * own limits": the owner's work (its branches, its merge target, its callbacks) is the owner's
 * to change whatever the caller's limits, and one comparison here covers every route at once.
 */
export function taskVisibility(prefix: string, tasks: Pick<TaskRepository, 'ownerOf'>): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const id = taskPath.exec(c.req.path.slice(prefix.length))?.[1];
    const principal = c.get('principal');
    const changes = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    if (id && (changes ? !allows(principal, 'admin') : !readsAllTasks(principal))) {
      const owner = await tasks.ownerOf(id);
      if (owner !== undefined && owner !== principal.keyId) {
        if (!readsAllTasks(principal)) throw new NotFoundError('Task', id);
        throw new HttpError(
          403,
          'not_task_owner',
          `This API key (${principal.name}) may read task ${id} (tasks:read-all) but not change it: ${c.req.method} ${c.req.path} is for the key that submitted the task, or an admin key`,
          { taskId: id },
        );
      }
    }
    await next();
  };
}
