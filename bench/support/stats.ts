/** Small statistics for benchmark samples. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Wall clock in ms, comparable with the stamps agents print in their own processes. */
export const now = (): number => Date.now();

/** `stamp <i> <epoch ms>` as printed by fixtures/stamp-agent.mjs. */
export function parseStamp(line: string): { index: number; at: number } | undefined {
  const match = /^stamp (\d+) (\d+(?:\.\d+)?)$/.exec(line.trim());
  return match ? { index: Number(match[1]), at: Number(match[2]) } : undefined;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** `value / baseline` to three significant digits, so small ratios do not round to 0. */
export function ratio(value: number, baseline: number): number {
  return Number((value / baseline).toPrecision(3));
}
