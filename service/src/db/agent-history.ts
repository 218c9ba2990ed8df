import type { Queryable } from './db.ts';

/** One agent and model's past attempts, as the database counts them. */
export interface AgentHistoryRow {
  agent: string;
  /** '' when the attempts named no model. */
  model: string;
  /** Attempts that ended (not pending, running or cancelled before they started). */
  attempts: number;
  /** Attempts whose verify command ran, and those it passed. */
  verified: number;
  passed: number;
  /** Attempts ranked their task's winner, and those of them that passed verify. */
  wins: number;
  verifiedWins: number;
  totalCostUsd: number;
  medianCostUsd: number | null;
  medianDurationMs: number | null;
}

/** One agent and model's attempts that ended on one day (UTC): what they cost and the verified wins among them. */
export interface AgentDayRow {
  agent: string;
  model: string;
  /** YYYY-MM-DD */
  day: string;
  totalCostUsd: number;
  verifiedWins: number;
}

/**
 * Past attempts per agent and model, read from agent_runs joined with tasks: for one repository
 * (its path or URL) or all, and for one submitting key or all (a scoped key's own tasks).
 */
export class AgentHistory {
  private readonly db: Queryable;

  constructor(db: Queryable) {
    this.db = db;
  }

  async byAgent(filter: { repository?: string | undefined; createdBy?: string | undefined }): Promise<AgentHistoryRow[]> {
    const rows = await this.db.query<{
      agent: string;
      model: string;
      attempts: number;
      verified: number;
      passed: number;
      wins: number;
      verified_wins: number;
      total_cost: number;
      median_cost: number | null;
      median_ms: number | null;
    }>(
      `SELECT r.agent, coalesce(r.model, '') AS model,
              count(*)::int AS attempts,
              count(*) FILTER (WHERE r.verify IS NOT NULL)::int AS verified,
              count(*) FILTER (WHERE (r.verify->>'passed')::boolean)::int AS passed,
              count(*) FILTER (WHERE t.winner_label = r.label)::int AS wins,
              count(*) FILTER (WHERE t.winner_label = r.label AND (r.verify->>'passed')::boolean)::int AS verified_wins,
              coalesce(sum(r.cost_usd), 0)::float8 AS total_cost,
              (percentile_cont(0.5) WITHIN GROUP (ORDER BY r.cost_usd))::float8 AS median_cost,
              (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.completed_at - r.started_at) * 1000))::float8 AS median_ms
         FROM agent_runs r JOIN tasks t ON t.id = r.task_id
        WHERE r.status NOT IN ('pending', 'running') AND r.started_at IS NOT NULL
          AND ($1::text IS NULL OR t.repository_path = $1 OR t.repository_url = $1)
          AND ($2::text IS NULL OR t.api_key_id = $2)
        GROUP BY r.agent, coalesce(r.model, '')
        ORDER BY r.agent, coalesce(r.model, '')`,
      [filter.repository ?? null, filter.createdBy ?? null],
    );
    return rows.map((row) => ({
      agent: row.agent,
      model: row.model,
      attempts: row.attempts,
      verified: row.verified,
      passed: row.passed,
      wins: row.wins,
      verifiedWins: row.verified_wins,
      totalCostUsd: row.total_cost,
      medianCostUsd: row.median_cost,
      medianDurationMs: row.median_ms === null ? null : Math.round(row.median_ms),
    }));
  }

  /** The same attempts by the day they ended, oldest first: the review page's cost per verified result over time. */
  async byAgentAndDay(filter: { repository?: string | undefined; createdBy?: string | undefined }): Promise<AgentDayRow[]> {
    const rows = await this.db.query<{ agent: string; model: string; day: string; total_cost: number; verified_wins: number }>(
      `SELECT r.agent, coalesce(r.model, '') AS model,
              to_char(r.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
              coalesce(sum(r.cost_usd), 0)::float8 AS total_cost,
              count(*) FILTER (WHERE t.winner_label = r.label AND (r.verify->>'passed')::boolean)::int AS verified_wins
         FROM agent_runs r JOIN tasks t ON t.id = r.task_id
        WHERE r.status NOT IN ('pending', 'running') AND r.started_at IS NOT NULL AND r.completed_at IS NOT NULL
          AND ($1::text IS NULL OR t.repository_path = $1 OR t.repository_url = $1)
          AND ($2::text IS NULL OR t.api_key_id = $2)
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3`,
      [filter.repository ?? null, filter.createdBy ?? null],
    );
    return rows.map((row) => ({ agent: row.agent, model: row.model, day: row.day, totalCostUsd: row.total_cost, verifiedWins: row.verified_wins }));
  }
}
