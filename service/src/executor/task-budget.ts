/**
 * A task's budget across its attempts, wherever they run: each attempt records its running
 * cost on its row, and the attempt that finds the sum at the limit announces it (NOTIFY), so
 * every instance stops that task's attempts.
 */
import type { Db } from '../db/db.ts';
import type { TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import { BUDGET_CHANNEL } from '../queue/task-queue.ts';

export class TaskBudget {
  private readonly db: Db;
  private readonly tasks: TaskRepository;

  constructor(deps: { db: Db; tasks: TaskRepository }) {
    this.db = deps.db;
    this.tasks = deps.tasks;
  }

  /** Records an attempt's running total (Claude Code reports cumulative cost). */
  async record(task: TaskRecord, label: string, totalUsd: number): Promise<void> {
    await this.tasks.attempts.update(task.id, label, { costUsd: totalUsd });
    if (await this.isSpent(task)) await this.db.notify(BUDGET_CHANNEL, task.id);
  }

  async isSpent(task: TaskRecord): Promise<boolean> {
    const limit = task.config.budgetUsd;
    return limit !== undefined && (await this.tasks.attempts.spentUsd(task.id)) >= limit;
  }

  /** What is left for an attempt about to start, for CLIs that can cap themselves. */
  async remainingUsd(task: TaskRecord): Promise<number | undefined> {
    const limit = task.config.budgetUsd;
    return limit === undefined ? undefined : Math.max(0, limit - (await this.tasks.attempts.spentUsd(task.id)));
  }
}
