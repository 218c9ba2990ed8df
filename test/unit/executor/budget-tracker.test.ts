import { describe, expect, it } from 'vitest';
import { BudgetTracker } from '../../../service/src/executor/budget-tracker.ts';

describe('BudgetTracker', () => {
  it('sums running totals per attempt and fires once when the limit is reached', () => {
    let fired = 0;
    const budget = new BudgetTracker(1, () => (fired += 1));
    budget.record('a', 0.3);
    budget.record('a', 0.4); // a running total, not an increment
    budget.record('b', 0.5);
    expect(fired).toBe(0);
    expect(budget.remainingUsd()).toBeCloseTo(0.1);
    budget.record('b', 0.6);
    budget.record('b', 0.9);
    expect(fired).toBe(1);
    expect(budget.isExhausted).toBe(true);
    expect(budget.remainingUsd()).toBe(0);
  });

  it('never fires without a limit', () => {
    const budget = new BudgetTracker(undefined, () => {
      throw new Error('no limit, no stop');
    });
    budget.record('a', 1000);
    expect(budget.remainingUsd()).toBeUndefined();
  });
});
