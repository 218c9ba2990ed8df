/** Figures over all tasks for GET /tasks/stats: counts by status, cost, duration, and how well the ranking picks. */
import type { TaskStatus } from '../model/statuses.ts';
import type { Db } from './db.ts';

/** How well the ranking picks, over finished tasks that have a verify command. */
export interface SelectionFigures {
  verifiedTasks: number;
  tasksWithAPassingAttempt: number;
  tasksWhoseWinnerPassed: number;
  /** tasksWhoseWinnerPassed / tasksWithAPassingAttempt; null before any such task. */
  pickedRight: number | null;
}

export class TaskStats {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async read(): Promise<{ byStatus: Record<TaskStatus, number>; runningAgents: number; totalCostUsd: number; meanDurationMs: number | null; selection: SelectionFigures }> {
    const counts = await this.db.query<{ status: TaskStatus; count: number }>(
      'SELECT status, count(*)::int AS count FROM tasks GROUP BY status',
    );
    const [totals] = await this.db.query<{ cost: number | null; mean_ms: number | null; running_agents: number }>(
      `SELECT (SELECT sum(total_cost_usd) FROM tasks)::float8 AS cost,
              (SELECT avg(extract(epoch FROM completed_at - started_at) * 1000) FROM tasks
                WHERE completed_at IS NOT NULL AND started_at IS NOT NULL)::float8 AS mean_ms,
              (SELECT count(*) FROM agent_runs WHERE status = 'running')::int AS running_agents`,
    );
    // Finished tasks with a verify command: could the ranking have picked a passing attempt, and did it?
    const [selection] = await this.db.query<{ verified: number; some_passed: number; winner_passed: number }>(
      `SELECT count(*)::int AS verified,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM agent_runs r WHERE r.task_id = t.id AND (r.verify->>'passed')::boolean))::int AS some_passed,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM agent_runs r WHERE r.task_id = t.id AND r.label = t.winner_label AND (r.verify->>'passed')::boolean))::int AS winner_passed
         FROM tasks t WHERE t.status IN ('completed', 'failed') AND t.config ? 'verify'`,
    );
    const byStatus: Record<TaskStatus, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const row of counts) byStatus[row.status] = row.count;
    return {
      byStatus,
      runningAgents: totals?.running_agents ?? 0,
      totalCostUsd: totals?.cost ?? 0,
      meanDurationMs: totals?.mean_ms === null || totals?.mean_ms === undefined ? null : Math.round(totals.mean_ms),
      selection: {
        verifiedTasks: selection?.verified ?? 0,
        tasksWithAPassingAttempt: selection?.some_passed ?? 0,
        tasksWhoseWinnerPassed: selection?.winner_passed ?? 0,
        pickedRight: selection && selection.some_passed > 0 ? selection.winner_passed / selection.some_passed : null,
      },
    };
  }
}
