import type { AgentHistoryRow } from '../db/agent-history.ts';

/** The 95 % Wilson score interval of `passed` out of `total`; null before any trial. */
export function wilsonInterval(passed: number, total: number): { low: number; high: number } | null {
  if (total === 0) return null;
  const z = 1.959964;
  const p = passed / total;
  const denominator = 1 + (z * z) / total;
  const centre = (p + (z * z) / (2 * total)) / denominator;
  const margin = (z * Math.sqrt((p * (1 - p)) / total + (z * z) / (4 * total * total))) / denominator;
  // At 0 or all of them the bound is exactly 0 or 1 (the formula reaches it up to rounding).
  return { low: passed === 0 ? 0 : Math.max(0, centre - margin), high: passed === total ? 1 : Math.min(1, centre + margin) };
}

/** A small deterministic generator (mulberry32): the same seed draws the same numbers. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a string (FNV-1a): a task's id seeds its own draw. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/** Gamma(k, 1) for a whole k: the sum of k exponential draws. */
function gamma(shape: number, random: () => number): number {
  let sum = 0;
  for (let index = 0; index < shape; index++) sum -= Math.log(1 - random());
  return sum;
}

/** Beta(a, b) for whole a and b, from two gamma draws. */
function beta(a: number, b: number, random: () => number): number {
  const x = gamma(a, random);
  return x / (x + gamma(b, random));
}

export interface CandidateSelection {
  /** The candidate's place in the request (0 first). */
  index: number;
  agent: string;
  model: string | null;
  picked: boolean;
  /** This repository's past attempts of this agent and model. */
  history: { attempts: number; verified: number; passed: number; medianCostUsd: number | null };
  /** The Thompson draw of the pass rate, and that draw weighed by cost; null with no history at all. */
  sample: number | null;
  score: number | null;
  reason: string;
}

export interface Selection {
  rule: string;
  count: number;
  seed: number;
  noHistory: boolean;
  candidates: CandidateSelection[];
}

export const selectionRule =
  "Thompson sampling: each candidate's verified pass rate on this repository is drawn from Beta(1 + passes, 1 + fails), divided by (1 + median cost in USD); the highest scores are picked. With no history for any candidate, they are taken in order";

/**
 * Picks `count` of the candidates from their history on this repository. The draw keeps
 * exploring: a candidate with few results has a wide Beta and sometimes outdraws a known one.
 */
export function chooseAgents(
  candidates: ReadonlyArray<{ agent: string; model?: string | undefined }>,
  count: number,
  history: readonly AgentHistoryRow[],
  seed: number,
): Selection {
  const random = seededRandom(seed);
  const figures = candidates.map((candidate) => {
    const row = history.find((entry) => entry.agent === candidate.agent && entry.model === (candidate.model ?? ''));
    return { attempts: row?.attempts ?? 0, verified: row?.verified ?? 0, passed: row?.passed ?? 0, medianCostUsd: row?.medianCostUsd ?? null };
  });
  const noHistory = figures.every((figure) => figure.verified === 0);
  const scored = candidates.map((candidate, index) => {
    const figure = figures[index]!;
    const sample = noHistory ? null : beta(1 + figure.passed, 1 + figure.verified - figure.passed, random);
    const score = sample === null ? null : sample / (1 + (figure.medianCostUsd ?? 0));
    return { index, agent: candidate.agent, model: candidate.model ?? null, history: figure, sample, score };
  });
  const order = noHistory ? scored : [...scored].sort((a, b) => b.score! - a.score! || a.index - b.index);
  const picked = new Set(order.slice(0, count).map((entry) => entry.index));
  const rank = new Map(order.map((entry, position) => [entry.index, position + 1]));
  const selected = scored.map((entry): CandidateSelection => {
    const isPicked = picked.has(entry.index);
    const past = `${entry.history.passed} of ${entry.history.verified} verified attempts passed here`;
    const reason = noHistory
      ? `no history on this repository for any candidate: ${isPicked ? 'taken' : 'left out'} in the order given (place ${entry.index + 1}, ${count} wanted)`
      : `${past}; drew ${entry.sample!.toFixed(3)}, score ${entry.score!.toFixed(3)} after cost, rank ${rank.get(entry.index)} of ${candidates.length}: ${isPicked ? 'picked' : `not picked (only the best ${count} are)`}`;
    return { ...entry, picked: isPicked, reason };
  });
  return { rule: selectionRule, count, seed, noHistory, candidates: selected };
}
