/**
 * The review page of a big task in a real browser (Debian's chromium): 8 attempts that printed
 * 5,000 lines each, against a 1-attempt, 100-line task in the same run. Measured: navigation
 * to the attempt columns drawn (first render), to every log line on the page (fully loaded),
 * and the page's JavaScript heap (after a garbage collection) and DOM nodes once loaded.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../test/support/browser.ts';
import { createTestRepo } from '../../test/support/git-repo.ts';
import { type BenchContext, type BenchRow, type ScenarioResult, stampAgentSpec } from '../support/context.ts';
import { BENCH_API_KEY, openBenchDb, startBenchService, submitTask, waitForTaskEnd, type BenchService } from '../support/service.ts';
import { median, ratio, round } from '../support/stats.ts';

interface PageLoad {
  firstRenderMs: number;
  loadedMs: number;
  heapMb: number;
  domNodes: number;
}

export async function reviewPage(context: BenchContext): Promise<ScenarioResult> {
  const repetitions = context.options.quick ? 3 : 7;
  const repo = await createTestRepo();
  const service = await startBenchService({ db: await openBenchDb('pglite', context.postgres), workers: 1 });
  const browser = await launchChromium();
  try {
    const finishedTask = async (agents: number, lines: number) => {
      const id = await submitTask(service, { description: `${agents} × ${lines} lines`, repository: { path: repo.path }, agents: Array.from({ length: agents }, () => stampAgentSpec(lines, 0)) });
      const task = await waitForTaskEnd(service, id);
      if (task.status !== 'completed') throw new Error(`review-page task ${String(task.status)}`);
      return id;
    };
    context.log('review-page: running the 8 × 5,000-line task');
    const big = { id: await finishedTask(8, 5000), attempts: 8, lines: 5000 };
    const small = { id: await finishedTask(1, 100), attempts: 1, lines: 100 };
    const samples = { big: [] as PageLoad[], small: [] as PageLoad[] };
    for (let i = 0; i < repetitions; i += 1) {
      samples.big.push(await loadTaskPage(browser, service, big));
      samples.small.push(await loadTaskPage(browser, service, small));
    }
    const pick = (loads: PageLoad[], key: keyof PageLoad) => median(loads.map((load) => load[key]));
    const row = (measure: string, key: keyof PageLoad, unit: string, target: string): BenchRow => ({
      benchmark: 'review page',
      measure: `${measure} (median of ${repetitions})`,
      value: round(pick(samples.big, key)),
      baseline: round(pick(samples.small, key)),
      baselineName: 'a 1-attempt, 100-line task',
      unit,
      ratio: ratio(pick(samples.big, key), pick(samples.small, key)),
      target,
    });
    return {
      rows: [
        row('8 attempts × 5,000 log lines: navigation → columns drawn', 'firstRenderMs', 'ms', '< 1 s'),
        row('8 attempts × 5,000 log lines: navigation → every line shown', 'loadedMs', 'ms', '< 5 s'),
        row('8 attempts × 5,000 log lines: JS heap when loaded', 'heapMb', 'MB', '< 100 MB'),
        row('8 attempts × 5,000 log lines: DOM nodes when loaded', 'domNodes', 'nodes', 'one per log line, plus the page'),
      ],
      details: samples,
    };
  } finally {
    await browser.close();
    await service.stop();
    await repo.cleanup();
  }
}

/** One cold load of a task's review page in a fresh browser context (logged in, nothing cached). */
async function loadTaskPage(browser: Browser, service: BenchService, task: { id: string; attempts: number; lines: number }): Promise<PageLoad> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await logIn(page, service);
    const started = Date.now();
    await page.goto(`${service.url}/ui/tasks/${task.id}`, { waitUntil: 'commit' });
    // Page-side conditions as strings: they run in the browser, not in this process.
    await page.waitForFunction(`document.querySelectorAll('article.attempt').length === ${task.attempts}`, undefined, { polling: 'raf' });
    const firstRenderMs = Date.now() - started;
    // Each log holds the stamp lines plus the agent's start and end lines.
    await page.waitForFunction(
      `document.body.dataset.logs === 'complete' && [...document.querySelectorAll('.log')].filter((log) => log.childElementCount >= ${task.lines}).length === ${task.attempts}`,
      undefined,
      { polling: 100, timeout: 120_000 },
    );
    const loadedMs = Date.now() - started;
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const { nodes } = await cdp.send('Memory.getDOMCounters');
    return { firstRenderMs, loadedMs, heapMb: usedSize / 1024 / 1024, domNodes: nodes };
  } finally {
    await context.close();
  }
}

async function logIn(page: Page, service: BenchService): Promise<void> {
  await page.goto(`${service.url}/ui/login`);
  await page.fill('#key', BENCH_API_KEY);
  await Promise.all([page.waitForURL(`${service.url}/ui`), page.click('button[type="submit"]')]);
}
