import type { MiddlewareHandler } from 'hono';
import { readsAllTasks } from '../../access/scopes.ts';
import type { TaskRepository } from '../../db/task-repository.ts';
import { NotFoundError } from '../../refusal.ts';
import type { AuthVariables } from './api-key-auth.ts';

const taskPath = /^\/tasks\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/|$)/i;

/**
 * A key sees its own tasks unless it has tasks:read-all: another key's task answers 404, as if
 * it did not exist, so task ids do not leak across keys.
 */
export function taskVisibility(prefix: string, tasks: Pick<TaskRepository, 'ownerOf'>): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const id = taskPath.exec(c.req.path.slice(prefix.length))?.[1];
    const principal = c.get('principal');
    if (id && !readsAllTasks(principal)) {
      const owner = await tasks.ownerOf(id);
      if (owner !== undefined && owner !== principal.keyId) throw new NotFoundError('Task', id);
    }
    await next();
  };
}
