/**
 * KAGE_RETENTION_DAYS: finished tasks older than that lose what only their run needed, their
 * attempts' events (each line an agent printed, setup, verify, rounds), their delivery history
 * and any worktree left; the task row, its attempts' results, its merges and its lifecycle events
 * (queued, started, ended, merged, pull request) stay, so the task still reads, streams to its
 * end and satisfies a wait. Runs in the background in small batches, so the API never waits on it.
 */
import type { Db } from '../db/db.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { WorktreeManager } from '../git/worktree-manager.ts';
import type { Logger } from '../logger.ts';
import { finishedTaskStatuses } from '../model/statuses.ts';

/** Events a pruned task keeps: what its stream, its waits and its history need. */
const keptEventTypes = ['task.queued', 'task.started', 'task.completed', 'task.failed', 'task.cancelled', 'push.completed', 'merge.completed', 'pull_request.opened'];
const TASKS_PER_BATCH = 20;
const ROWS_PER_DELETE = 5_000;
const PAUSE_BETWEEN_BATCHES_MS = 200;
const RUN_EVERY_MS = 60 * 60 * 1000;

export interface RetentionPass {
  tasks: number;
  events: number;
  deliveries: number;
  worktrees: number;
}

export class TaskRetention {
  private readonly deps: { db: Db; tasks: TaskRepository; worktrees: WorktreeManager; logger: Logger; days: number };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(deps: TaskRetention['deps']) {
    this.deps = deps;
  }

  start(): void {
    const run = () => {
      this.running = this.prune()
        .then((pass) => {
          if (pass.tasks > 0) this.deps.logger.info({ retention: pass, days: this.deps.days }, 'retention: pruned finished tasks');
        })
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'retention pass failed; trying again later'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(run, RUN_EVERY_MS).unref();
        });
    };
    this.timer = setTimeout(run, 1_000).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every task due, batch by batch. */
  async prune(): Promise<RetentionPass> {
    const pass: RetentionPass = { tasks: 0, events: 0, deliveries: 0, worktrees: 0 };
    for (;;) {
      if (this.stopped) return pass;
      const due = await this.deps.db.query<{ id: string; repository_path: string }>(
        `SELECT id, repository_path FROM tasks
          WHERE pruned_at IS NULL AND completed_at < now() - make_interval(days => $1)
            AND status = ANY($3::text[])
          ORDER BY completed_at LIMIT $2`,
        [this.deps.days, TASKS_PER_BATCH, [...finishedTaskStatuses]],
      );
      for (const task of due) await this.pruneTask(task.id, task.repository_path, pass);
      if (due.length < TASKS_PER_BATCH) return pass;
      await new Promise((pause) => setTimeout(pause, PAUSE_BETWEEN_BATCHES_MS));
    }
  }

  private async pruneTask(taskId: string, repositoryPath: string, pass: RetentionPass): Promise<void> {
    const { db } = this.deps;
    pass.events += await deleteInChunks(db, `DELETE FROM progress_events WHERE task_id = $1 AND seq IN (
      SELECT seq FROM progress_events WHERE task_id = $1 AND NOT (type = ANY($2::text[])) LIMIT ${ROWS_PER_DELETE})`, [taskId, keptEventTypes]);
    // Pending deliveries still go out; their attempts' history goes with each delivery (ON DELETE CASCADE).
    pass.deliveries += await deleteInChunks(db, `DELETE FROM webhook_deliveries WHERE id IN (
      SELECT id FROM webhook_deliveries WHERE task_id = $1 AND status <> 'pending' LIMIT ${ROWS_PER_DELETE})`, [taskId]);
    for (const run of (await this.deps.tasks.attempts.ofTasks([taskId])).get(taskId) ?? []) {
      if (!run.worktreePath) continue;
      await this.deps.worktrees.remove(repositoryPath, run.worktreePath);
      await this.deps.tasks.attempts.update(taskId, run.label, { worktreePath: null });
      pass.worktrees += 1;
    }
    await this.deps.worktrees.removeTaskFolder(taskId);
    await db.query('UPDATE tasks SET pruned_at = now() WHERE id = $1', [taskId]);
    pass.tasks += 1;
  }
}

async function deleteInChunks(db: Db, sql: string, params: Parameters<Db['query']>[1]): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.query(`${sql} RETURNING 1`, params);
    total += rows.length;
    if (rows.length < ROWS_PER_DELETE) return total;
  }
}
