import { describe, expect, it } from 'vitest';
import { builtInPriceTable, loadPriceTable, PriceTableError, priceFor, priceTokens } from '../../../service/src/agents/price-table.ts';

describe('price table', () => {
  it('prices tokens per million, by exact model, longest prefix, agent default', () => {
    expect(priceTokens('codex', 'gpt-5', 1_000_000, 1_000_000, builtInPriceTable)).toBeCloseTo(11.25);
    expect(priceFor('gemini', 'gemini-2.5-flash-lite-preview', builtInPriceTable)).toEqual(builtInPriceTable.models['gemini-2.5-flash-lite']);
    expect(priceFor('opencode', 'anthropic/claude-sonnet-4-20250514', builtInPriceTable)).toEqual(builtInPriceTable.models['claude-sonnet-4']);
    expect(priceFor('codex', 'some-new-model', builtInPriceTable)).toEqual(builtInPriceTable.agents.codex);
    expect(priceFor('command', undefined, builtInPriceTable)).toEqual(builtInPriceTable.default);
  });

  it('returns null when no tokens were reported', () => {
    expect(priceTokens('codex', 'gpt-5', undefined, undefined, builtInPriceTable)).toBeNull();
    expect(priceTokens('codex', 'gpt-5', 0, undefined, builtInPriceTable)).toBe(0);
  });

  it('lays KAGE_PRICE_TABLE over the built-in table', () => {
    const table = loadPriceTable('{"models":{"gpt-5":{"input":1,"output":2},"my-model":{"input":5,"output":5}},"default":{"input":9,"output":9}}');
    expect(table.models['gpt-5']).toEqual({ input: 1, output: 2 });
    expect(table.models['gemini-2.5-pro']).toEqual(builtInPriceTable.models['gemini-2.5-pro']);
    expect(priceTokens('codex', 'my-model', 2_000_000, 0, table)).toBe(10);
    expect(table.default).toEqual({ input: 9, output: 9 });
  });

  it('reads the environment variable when no table is passed', () => {
    const saved = process.env.KAGE_PRICE_TABLE;
    try {
      process.env.KAGE_PRICE_TABLE = '{"agents":{"gemini":{"input":100,"output":0}}}';
      expect(priceTokens('gemini', 'unknown-model', 1_000_000, 5)).toBe(100);
    } finally {
      if (saved === undefined) delete process.env.KAGE_PRICE_TABLE;
      else process.env.KAGE_PRICE_TABLE = saved;
    }
  });

  it('rejects a malformed table with a message naming the variable', () => {
    expect(() => loadPriceTable('{nope')).toThrow(PriceTableError);
    expect(() => loadPriceTable('{"models":{"x":{"input":-1,"output":1}}}')).toThrow(/KAGE_PRICE_TABLE.*models\.x\.input/);
  });
});
