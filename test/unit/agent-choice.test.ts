import { describe, expect, it } from 'vitest';
import type { AgentHistoryRow } from '../../service/src/db/agent-history.ts';
import { chooseAgents, seedOf, wilsonInterval } from '../../service/src/tasks/agent-choice.ts';

const row = (model: string, passed: number, verified: number, medianCostUsd: number | null = null): AgentHistoryRow => ({
  agent: 'claude',
  model,
  attempts: verified,
  verified,
  passed,
  wins: 0,
  verifiedWins: 0,
  totalCostUsd: 0,
  medianCostUsd,
  medianDurationMs: null,
});
const a = { agent: 'claude', model: 'a' };
const b = { agent: 'claude', model: 'b' };

describe('wilsonInterval', () => {
  it('gives the 95 % Wilson score interval', () => {
    const interval = wilsonInterval(8, 10)!;
    expect(interval.low).toBeCloseTo(0.49, 2);
    expect(interval.high).toBeCloseTo(0.943, 3);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(wilsonInterval(5, 5)!.high).toBe(1);
  });
});

describe('chooseAgents', () => {
  it('picks the candidate that passes 9 of 10 over one that passes 1 of 10 nearly always, and the same seed draws the same', () => {
    const history = [row('a', 9, 10), row('b', 1, 10)];
    const picks = Array.from({ length: 100 }, (_, seed) => chooseAgents([b, a], 1, history, seed).candidates.find((entry) => entry.picked)!.model);
    expect(picks.filter((model) => model === 'a').length).toBeGreaterThanOrEqual(95);
    expect(chooseAgents([b, a], 1, history, 7)).toEqual(chooseAgents([b, a], 1, history, 7));
  });

  it('keeps exploring: a candidate never tried beats a mediocre known one in some draws', () => {
    const history = [row('a', 5, 10)];
    const picks = Array.from({ length: 200 }, (_, seed) => chooseAgents([a, b], 1, history, seed).candidates.find((entry) => entry.picked)!.model);
    const untried = picks.filter((model) => model === 'b').length;
    expect(untried).toBeGreaterThan(40);
    expect(untried).toBeLessThan(160);
  });

  it('weighs the draw by median cost', () => {
    const history = [row('a', 9, 10, 10), row('b', 7, 10, 0.1)];
    const picks = Array.from({ length: 100 }, (_, seed) => chooseAgents([a, b], 1, history, seed).candidates.find((entry) => entry.picked)!.model);
    expect(picks.filter((model) => model === 'b').length).toBeGreaterThanOrEqual(95);
  });

  it('with no history takes the candidates in order and says so', () => {
    const selection = chooseAgents([a, b, { agent: 'codex' }], 2, [row('other', 3, 3)], seedOf('task'));
    expect(selection.noHistory).toBe(true);
    expect(selection.candidates.map((entry) => entry.picked)).toEqual([true, true, false]);
    expect(selection.candidates[2]!.reason).toMatch(/^no history on this repository for any candidate: left out/);
  });
});
