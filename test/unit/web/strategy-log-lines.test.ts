/** The review page's log lines for a race's and a cascade's events (the attempt columns' logs). */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a browser script without type declarations, checked by its own tsconfig (checkJs).
import { logLine } from '../../../service/src/web/assets/attempt-column.js';

const line = (type: string, data: Record<string, unknown>) => logLine({ type, data }) as string | undefined;

describe('strategy events on the review page', () => {
  it("say who won a race and how a cascade's tiers went", () => {
    expect(line('attempt.cancelled', { reason: 'race_won', winner: 'claude-1', running: true })).toBe('cancelled: claude-1 passed verify first and won the race');
    expect(line('tier.started', { tier: 2, agents: ['codex-1'], after: 'claude-1' })).toBe('tier 2 started, told how claude-1 failed');
    expect(line('tier.failed', { tier: 1, attempts: ['claude-1'], best: 'claude-1', next: 2 })).toBe('tier 1: no attempt passed verify; tier 2 starts');
    expect(line('tier.skipped', { tier: 3, agents: ['codex-2'], reason: 'budget', spentUsd: 1.2, budgetUsd: 1 })).toMatch(/^tier 3 skipped: the budget is spent \(.*1\.20.* of .*1\.00.*\)$/);
  });
});
