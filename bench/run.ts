/**
 * `npm run bench [-- --quick] [-- --only=fan-out,api]`: runs the benchmarks against a throw-away
 * PostgreSQL (or BENCH_DATABASE_URL) and embedded PGlite, prints one table with every figure
 * beside a baseline measured in the same run, and writes it all to bench/results/<time>.json.
 * BENCH_QUICK=1 is the same as --quick. Nothing here asserts: a missed target is printed, not failed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { apiLoad } from './scenarios/api-load.ts';
import { attemptOverhead } from './scenarios/attempt-overhead.ts';
import { eventLatency } from './scenarios/event-latency.ts';
import { eventThroughput } from './scenarios/event-throughput.ts';
import { fanOut } from './scenarios/fan-out.ts';
import { remoteFanOut } from './scenarios/remote-fan-out.ts';
import { reviewPage } from './scenarios/review-page.ts';
import { sandboxCost } from './scenarios/sandbox-cost.ts';
import { setupCache } from './scenarios/setup-cache.ts';
import { scale } from './scenarios/scale.ts';
import { strategies } from './scenarios/strategies.ts';
import { scaleOut } from './scenarios/scale-out.ts';
import { warmStart } from './scenarios/warm-start.ts';
import type { BenchContext, BenchRow, ScenarioResult } from './support/context.ts';
import { startBenchPostgres } from './support/postgres.ts';
import { formatTable } from './support/table.ts';

const scenarios: Record<string, (context: BenchContext) => Promise<ScenarioResult>> = {
  'fan-out': fanOut,
  'remote-fan-out': remoteFanOut,
  'event-latency': eventLatency,
  'event-throughput': eventThroughput,
  api: apiLoad,
  scale,
  'scale-out': scaleOut,
  sandbox: sandboxCost,
  'warm-start': warmStart,
  'review-page': reviewPage,
  'attempt-overhead': attemptOverhead,
  'setup-cache': setupCache,
  strategies,
};

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const unknown = only?.filter((name) => !(name in scenarios)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}

const started = Date.now();
const log = (message: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
const postgres = await startBenchPostgres();
const context: BenchContext = { options: { quick }, postgres, log };
const rows: BenchRow[] = [];
const results: Record<string, unknown> = {};
try {
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (only && !only.includes(name)) continue;
    log(`${name}: starting`);
    const scenarioStarted = Date.now();
    try {
      const result = await scenario(context);
      rows.push(...result.rows);
      results[name] = { ...result, seconds: (Date.now() - scenarioStarted) / 1000 };
    } catch (error) {
      log(`${name}: FAILED: ${(error as Error).stack ?? String(error)}`);
      results[name] = { error: (error as Error).message };
    }
    log(`${name}: done in ${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s`);
  }
} finally {
  postgres.stop();
}

const report = {
  date: new Date().toISOString(),
  quick,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  totalSeconds: (Date.now() - started) / 1000,
  rows,
  results,
};
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(resultsDir, { recursive: true });
const file = `${resultsDir}${report.date.replaceAll(':', '-')}${quick ? '-quick' : ''}.json`;
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(formatTable(rows));
console.log(`\n${quick ? 'quick run, ' : ''}${report.totalSeconds.toFixed(0)} s on ${report.machine.cpus} CPUs; details in ${file}`);
// Pools and listeners of stopped services may keep handles open a little longer.
process.exit(0);
