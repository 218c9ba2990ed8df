/** Reads and writes attempts (the `agent_runs` table), in plain records. */
import type { AttemptChange, AttemptRecord } from '../model/attempt.ts';
import type { Db, Queryable } from './db.ts';
import { attemptColumn, type AttemptRow, toAttempt, toSqlValue } from './task-rows.ts';

export class AttemptStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** One attempt of a task, by its label. */
  async one(taskId: string, label: string, db: Queryable = this.db): Promise<AttemptRecord | undefined> {
    const [row] = await db.query<AttemptRow>('SELECT * FROM agent_runs WHERE task_id = $1 AND label = $2', [taskId, label]);
    return row ? toAttempt(row) : undefined;
  }

  /** Each task's attempts, in their order. */
  async ofTasks(taskIds: readonly string[], db: Queryable = this.db): Promise<Map<string, AttemptRecord[]>> {
    const byTask = new Map<string, AttemptRecord[]>(taskIds.map((id) => [id, []]));
    if (taskIds.length === 0) return byTask;
    const rows = await db.query<AttemptRow>(
      'SELECT * FROM agent_runs WHERE task_id = ANY($1::uuid[]) ORDER BY task_id, position',
      [taskIds as string[]],
    );
    for (const row of rows) byTask.get(row.task_id)?.push(toAttempt(row));
    return byTask;
  }

  async update(taskId: string, label: string, fields: AttemptChange, db: Queryable = this.db): Promise<void> {
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    const sets = entries.map(([key], index) => `${attemptColumn[key as keyof typeof attemptColumn]} = $${index + 3}`);
    await db.query(
      `UPDATE agent_runs SET ${sets.join(', ')} WHERE task_id = $1 AND label = $2`,
      [taskId, label, ...entries.map(([, value]) => toSqlValue(value))],
    );
  }

  /** Attempts that never started end as cancelled with their task (cancelled while pending). */
  async cancelPending(tx: Queryable, taskId: string): Promise<void> {
    await tx.query("UPDATE agent_runs SET status = 'cancelled' WHERE task_id = $1 AND status = 'pending'", [taskId]);
  }

  /** The attempt back to pending with no results: before an interrupted attempt runs again. */
  async reset(taskId: string, label: string): Promise<void> {
    await this.db.query(
      `UPDATE agent_runs SET status = 'pending', exit_code = NULL, cost_usd = NULL, input_tokens = NULL, output_tokens = NULL,
              session_id = NULL, final_message = NULL, files_changed = '{}', insertions = NULL, deletions = NULL,
              head_commit = NULL, stderr_tail = NULL, stop_reason = NULL, verify = NULL, score = NULL, error = NULL, started_at = NULL,
              completed_at = NULL, worktree_path = NULL, worker = NULL
        WHERE task_id = $1 AND label = $2`,
      [taskId, label],
    );
  }

  /** What the task's attempts have spent so far (each attempt's running total, as last recorded). */
  async spentUsd(taskId: string): Promise<number> {
    const [row] = await this.db.query<{ spent: number | string | null }>('SELECT COALESCE(sum(cost_usd), 0) AS spent FROM agent_runs WHERE task_id = $1', [taskId]);
    return Number(row?.spent ?? 0);
  }

  /** Worktrees of attempts running now, on any instance. */
  async runningWorktreePaths(): Promise<string[]> {
    const rows = await this.db.query<{ worktree_path: string }>("SELECT worktree_path FROM agent_runs WHERE worktree_path IS NOT NULL AND status = 'running'");
    return rows.map((row) => row.worktree_path);
  }
}
