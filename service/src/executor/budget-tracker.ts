/**
 * Tracks what a task's attempts have spent so far and says when the task budget is gone.
 * Costs arrive as running totals per attempt (Claude Code reports cumulative cost).
 */
export class BudgetTracker {
  private readonly limitUsd: number | undefined;
  private readonly spent = new Map<string, number>();
  private readonly onExhausted: () => void;
  private exhausted = false;

  constructor(limitUsd: number | undefined, onExhausted: () => void) {
    this.limitUsd = limitUsd;
    this.onExhausted = onExhausted;
  }

  /** Records an attempt's running total; calls onExhausted once when the sum reaches the limit. */
  record(label: string, totalUsd: number): void {
    this.spent.set(label, Math.max(this.spent.get(label) ?? 0, totalUsd));
    if (this.limitUsd === undefined || this.exhausted || this.totalUsd() < this.limitUsd) return;
    this.exhausted = true;
    this.onExhausted();
  }

  /** What is left for a new or running attempt, for CLIs that can cap themselves. */
  remainingUsd(): number | undefined {
    return this.limitUsd === undefined ? undefined : Math.max(0, this.limitUsd - this.totalUsd());
  }

  get isExhausted(): boolean {
    return this.exhausted;
  }

  totalUsd(): number {
    let total = 0;
    for (const value of this.spent.values()) total += value;
    return total;
  }
}
