/**
 * Attribute names: the OpenTelemetry semantic conventions where they have one (HTTP, database,
 * process, GenAI), `kage.*` for what is ours. The GenAI ones are still "development" status in the
 * conventions, so they are written out here rather than imported from the unstable entry point.
 */
import type { SpanFields } from './spans.ts';

export const TASK_ID = 'kage.task.id';
export const ATTEMPT = 'kage.attempt';
export const WORKER = 'kage.worker';
/** What the agent or the task cost in US dollars: the conventions have no cost attribute (yet). */
export const COST_USD = 'kage.cost_usd';

// Who makes the models each agent CLI talks to, as `gen_ai.provider.name` spells them; agents
// that can use any provider's models (aider, opencode, a command) are left without one.
const PROVIDERS: Readonly<Record<string, string>> = { claude: 'anthropic', codex: 'openai', gemini: 'gcp.gemini', qwen: 'alibaba', cursor: 'cursor' };

/** An agent's run (the GenAI conventions' `invoke_agent` operation): its name, provider and requested model. */
export function agentFields(agent: string, model: string | null | undefined): SpanFields {
  return {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': agent,
    'gen_ai.provider.name': PROVIDERS[agent],
    'gen_ai.request.model': model,
  };
}

/** What a run used, as far as the agent tells: tokens (GenAI conventions) and cost. */
export function usageFields(usage: { inputTokens?: number | null; outputTokens?: number | null; costUsd?: number | null; model?: string | null }): SpanFields {
  return {
    'gen_ai.usage.input_tokens': usage.inputTokens,
    'gen_ai.usage.output_tokens': usage.outputTokens,
    'gen_ai.response.model': usage.model,
    [COST_USD]: usage.costUsd,
  };
}

/** A program the service ran (agent, setup, verify, judge): the process conventions' name and exit code. */
export function processFields(executable: string | undefined, exitCode: number | null | undefined): SpanFields {
  return { 'process.executable.name': executable ? executable.split('/').pop() : undefined, 'process.exit.code': exitCode };
}

/** The service's database: PGlite is PostgreSQL too (the conventions' `db.system.name`). */
export const DB_FIELDS: SpanFields = { 'db.system.name': 'postgresql' };
