import type { TaskRepository } from '../db/task-repository.ts';
import { TaskNotFoundError } from './task-errors.ts';

/** For reads about a task that do not need the task itself (its events, callbacks, deliveries). */
export async function requireTask(tasks: Pick<TaskRepository, 'exists'>, id: string): Promise<void> {
  if (!(await tasks.exists(id))) throw new TaskNotFoundError(id);
}
