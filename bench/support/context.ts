/** What every scenario gets: the run's options, PostgreSQL, and a place to log progress. */
import { fileURLToPath } from 'node:url';
import type { BenchPostgres } from './postgres.ts';

export interface BenchOptions {
  quick: boolean;
}

export interface BenchContext {
  options: BenchOptions;
  postgres: BenchPostgres;
  log(message: string): void;
}

/** One printed row: a figure beside the baseline measured in the same run. */
export interface BenchRow {
  benchmark: string;
  measure: string;
  value: number;
  baseline: number | null;
  baselineName: string;
  unit: string;
  /** value / baseline (or baseline / value where higher is better, so > 1 is always "slower"). */
  ratio: number | null;
  target: string;
}

export interface ScenarioResult {
  rows: BenchRow[];
  /** Checks (counts, completions) and raw figures for the JSON file. */
  details: Record<string, unknown>;
}

export const stampAgent = fileURLToPath(new URL('../fixtures/stamp-agent.mjs', import.meta.url));

/** A `command` agent running the stamp agent with this Node. */
export function stampAgentSpec(lines: number, intervalMs: number): Record<string, unknown> {
  return { agent: 'command', command: [process.execPath, stampAgent, String(lines), String(intervalMs)], timeoutSeconds: 600 };
}
