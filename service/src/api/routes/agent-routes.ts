import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { AgentRegistry } from '../../agents/agent-registry.ts';
import { readsAllTasks } from '../../access/scopes.ts';
import type { AgentDayRow, AgentHistory, AgentHistoryRow } from '../../db/agent-history.ts';
import { wilsonInterval } from '../../tasks/agent-choice.ts';
import type { ApiEnv } from '../context-variables.ts';
import { jsonResponse } from '../schemas/route-parts.ts';
import type { SandboxStatus } from '../../sandbox/sandbox.ts';
import { AgentFigures, AgentInfo, AgentStats, SandboxInfo } from '../schemas/agent-schemas.ts';
import { commonErrors } from '../schemas/error-schemas.ts';

const listAgents = createRoute({

  operationId: 'listAgents',
  method: 'get',
  path: '/agents',
  tags: ['Agents'],
  summary: 'The agent CLIs this instance can run',
  ...needs('tasks:read'),
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(AgentInfo), sandbox: SandboxInfo.openapi({ description: 'How every agent and project command is confined' }) }),
      'Each adapter and its binary, and the sandbox they run in',
    ),
    ...commonErrors,
  },
});

const agentStats = createRoute({

  operationId: 'agentStats',
  method: 'get',
  path: '/agents/stats',
  tags: ['Agents'],
  summary: "Each agent and model's past results, on one repository and overall",
  description: 'A key without tasks:read-all sees figures from its own tasks only.',
  ...needs('tasks:read'),
  request: { query: z.object({ repository: z.string().min(1).openapi({ description: "A repository's path on this machine or its URL, as tasks gave it" }) }) },
  responses: { 200: jsonResponse(AgentStats, 'Attempts, verified pass rate with its 95 % interval, median cost and duration, wins'), ...commonErrors },
});

export interface AgentRouteDeps {
  agents: AgentRegistry;
  sandbox: SandboxStatus;
  history: AgentHistory;
}

export function registerAgentRoutes(app: OpenAPIHono<ApiEnv>, { agents, sandbox, history }: AgentRouteDeps): void {
  app.openapi(listAgents, async (c) => c.json({ items: await agents.describeAgents(), sandbox }, 200));
  app.openapi(agentStats, async (c) => {
    const { repository } = c.req.valid('query');
    const principal = c.get('principal');
    const createdBy = readsAllTasks(principal) ? undefined : principal.keyId;
    const [here, overall, days] = await Promise.all([
      history.byAgent({ repository, createdBy }),
      history.byAgent({ createdBy }),
      history.byAgentAndDay({ repository, createdBy }),
    ]);
    const scope = createdBy ? ('own' as const) : ('all' as const);
    return c.json({ repository, scope, repositoryFigures: here.map(present), overall: overall.map(present), timeline: timeline(days) }, 200);
  });
}

/** Day rows (sorted by agent, model, day) grouped into one series per agent and model. */
function timeline(rows: AgentDayRow[]): z.infer<typeof AgentStats>['timeline'] {
  const series = new Map<string, z.infer<typeof AgentStats>['timeline'][number]>();
  for (const row of rows) {
    const key = `${row.agent}\u0000${row.model}`;
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { agent: row.agent, model: row.model === '' ? null : row.model, days: [] }));
    entry.days.push({ day: row.day, costPerVerifiedWinUsd: row.verifiedWins === 0 ? null : row.totalCostUsd / row.verifiedWins });
  }
  return [...series.values()];
}

function present(row: AgentHistoryRow): z.infer<typeof AgentFigures> {
  return {
    agent: row.agent,
    model: row.model === '' ? null : row.model,
    attempts: row.attempts,
    verified: row.verified,
    passed: row.passed,
    passRate: row.verified === 0 ? null : row.passed / row.verified,
    passRateInterval: wilsonInterval(row.passed, row.verified),
    medianCostUsd: row.medianCostUsd,
    medianDurationMs: row.medianDurationMs,
    wins: row.wins,
    verifiedWins: row.verifiedWins,
    totalCostUsd: row.totalCostUsd,
    costPerVerifiedWinUsd: row.verifiedWins === 0 ? null : row.totalCostUsd / row.verifiedWins,
  };
}
