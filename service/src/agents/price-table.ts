import { z } from 'zod';
import type { AgentName } from '../model/agent-names.ts';

/**
 * USD per million tokens, for CLIs that report tokens but no dollars (Codex, Gemini CLI,
 * Qwen Code, OpenCode without a cost). Built-in list prices as published by the providers; override or
 * extend with `KAGE_PRICE_TABLE`, a JSON object of the same shape as `PriceTable`, e.g.
 * `{"models":{"gpt-5":{"input":1.25,"output":10}},"agents":{"codex":{"input":1.25,"output":10}},"default":{"input":3,"output":15}}`.
 * Lookup order: the model's exact name, then the longest model name it starts with
 * (`gemini-2.5-pro-preview` → `gemini-2.5-pro`), then the agent's default, then `default`.
 */
const price = z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() });
export type TokenPrice = z.infer<typeof price>;

const priceTableSchema = z.object({
  models: z.record(z.string(), price).default({}),
  agents: z.record(z.string(), price).default({}),
  default: price.optional(),
});
export interface PriceTable {
  models: Record<string, TokenPrice>;
  agents: Record<string, TokenPrice>;
  default: TokenPrice;
}

export const builtInPriceTable: PriceTable = {
  models: {
    'gpt-5': { input: 1.25, output: 10 },
    'gpt-5-codex': { input: 1.25, output: 10 },
    'gpt-5-mini': { input: 0.25, output: 2 },
    'gpt-5-nano': { input: 0.05, output: 0.4 },
    'gpt-4.1': { input: 2, output: 8 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6 },
    o3: { input: 2, output: 8 },
    'o4-mini': { input: 1.1, output: 4.4 },
    'gemini-2.5-pro': { input: 1.25, output: 10 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5 },
    'gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
    'claude-opus-4': { input: 15, output: 75 },
    'claude-sonnet-4': { input: 3, output: 15 },
    'claude-3-5-haiku': { input: 0.8, output: 4 },
    'qwen3-coder-plus': { input: 1, output: 5 },
    'qwen3-coder-flash': { input: 0.3, output: 1.5 },
  },
  agents: {
    claude: { input: 3, output: 15 },
    codex: { input: 1.25, output: 10 },
    gemini: { input: 1.25, output: 10 },
    opencode: { input: 3, output: 15 },
    aider: { input: 3, output: 15 },
    cursor: { input: 3, output: 15 },
    qwen: { input: 1, output: 5 },
  },
  default: { input: 3, output: 15 },
};

export class PriceTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceTableError';
  }
}

/** The built-in table with `KAGE_PRICE_TABLE` laid over it; throws PriceTableError when the JSON is bad. */
export function loadPriceTable(json: string | undefined = process.env.KAGE_PRICE_TABLE): PriceTable {
  if (json === undefined || json.trim() === '') return builtInPriceTable;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new PriceTableError(`KAGE_PRICE_TABLE is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = priceTableSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new PriceTableError(`KAGE_PRICE_TABLE does not match {models, agents, default} of {input, output} USD per million tokens: ${problems}`);
  }
  return {
    models: { ...builtInPriceTable.models, ...parsed.data.models },
    agents: { ...builtInPriceTable.agents, ...parsed.data.agents },
    default: parsed.data.default ?? builtInPriceTable.default,
  };
}

export function priceFor(agent: AgentName, model: string | undefined, table: PriceTable): TokenPrice {
  if (model !== undefined) {
    const bare = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
    for (const name of [model, bare]) {
      const exact = table.models[name];
      if (exact) return exact;
    }
    const prefix = Object.keys(table.models)
      .filter((name) => bare.startsWith(name))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix !== undefined) return table.models[prefix] ?? table.default;
  }
  return table.agents[agent] ?? table.default;
}

let cached: { json: string | undefined; table: PriceTable } | undefined;

function currentTable(): PriceTable {
  const json = process.env.KAGE_PRICE_TABLE;
  if (cached !== undefined && cached.json === json) return cached.table;
  const table = loadPriceTable(json);
  cached = { json, table };
  return table;
}

/** Dollars for a run's tokens; null when the run reported no tokens at all. */
export function priceTokens(
  agent: AgentName,
  model: string | undefined,
  inputTokens: number | undefined,
  outputTokens: number | undefined,
  table: PriceTable = currentTable(),
): number | null {
  if (inputTokens === undefined && outputTokens === undefined) return null;
  const { input, output } = priceFor(agent, model, table);
  return ((inputTokens ?? 0) * input + (outputTokens ?? 0) * output) / 1_000_000;
}

/**
 * What one run cost: the dollars its CLI reported, else its tokens priced here; unknown (null)
 * for a CLI that reports dollars but reported none this time. The one place a run is priced.
 */
export function runCost(
  run: { agent: AgentName; model: string | undefined; reportsCost: boolean },
  outcome: { costUsd?: number | undefined; inputTokens?: number | undefined; outputTokens?: number | undefined },
): number | null {
  return outcome.costUsd ?? (run.reportsCost ? null : priceTokens(run.agent, run.model, outcome.inputTokens, outcome.outputTokens));
}
