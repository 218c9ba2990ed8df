import type { Queryable } from './db.ts';

/** The whole service's figures for /metrics, read from the tables at each scrape. */
export class ServiceFigures {
  private readonly db: Queryable;

  constructor(db: Queryable) {
    this.db = db;
  }

  async tasksByStatus(): Promise<Array<{ status: string; count: number }>> {
    return await this.db.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM tasks GROUP BY status');
  }

  async runningAttempts(): Promise<number> {
    const [row] = await this.db.query<{ count: number }>("SELECT count(*)::int AS count FROM agent_runs WHERE status = 'running'");
    return row?.count ?? 0;
  }

  async spending(): Promise<Array<{ agent: string; model: string; costUsd: number; inputTokens: number; outputTokens: number }>> {
    const rows = await this.db.query<{ agent: string; model: string; cost: number; input: number; output: number }>(
      `SELECT agent, coalesce(model, '') AS model, coalesce(sum(cost_usd), 0)::float8 AS cost,
              coalesce(sum(input_tokens), 0)::float8 AS input, coalesce(sum(output_tokens), 0)::float8 AS output
         FROM agent_runs GROUP BY agent, coalesce(model, '')`,
    );
    return rows.map((row) => ({ agent: row.agent, model: row.model, costUsd: row.cost, inputTokens: row.input, outputTokens: row.output }));
  }

  async verifyOutcomes(): Promise<{ passed: number; failed: number }> {
    const [row] = await this.db.query<{ passed: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE (verify->>'passed')::boolean)::int AS passed,
              count(*) FILTER (WHERE NOT (verify->>'passed')::boolean)::int AS failed
         FROM agent_runs WHERE verify IS NOT NULL`,
    );
    return { passed: row?.passed ?? 0, failed: row?.failed ?? 0 };
  }
}
