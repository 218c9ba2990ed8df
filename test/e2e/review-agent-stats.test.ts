/**
 * A task's review page shows how each agent and model did on its repository (GET /agents/stats):
 * the table and a chart of cost per verified result by day, in a real browser (Debian's
 * chromium), as the signed-in key may see them: a scoped key sees its own tasks' figures only.
 * axe-core checks the section for accessibility problems. KAGE_SCREENSHOTS=<folder> saves a picture of the section there.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems } from '../support/accessibility.ts';
import { launchChromium } from '../support/browser.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { TEST_API_KEY, waitForTaskEnd } from '../support/service-harness.ts';

const fakeCli = fileURLToPath(new URL('./fixtures/fake-cli-agent.mjs', import.meta.url));
const bad = { agent: 'command', model: 'cheap', command: ['sh', '-c', 'echo no > no.txt'] };
const verify = { command: ['test', '-f', 'ok.txt'] };
const screenshots = process.env.KAGE_SCREENSHOTS;


describe("the task page's agents on this repository", () => {
  let repo: TestRepo;
  let dataDir: string;
  let service: ServiceProcess;
  let browser: Browser;
  let firstTask = '';
  let aliceKey = '';
  let aliceTask = '';

  const submit = async (agents: unknown[], key = TEST_API_KEY) => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      headers: { 'x-api-key': key },
      json: { description: 'write ok.txt containing "ok by {agent}"', repository: { path: repo.path }, agents, verify },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect((await waitForTaskEnd(service, id)).status).toBe('completed');
    return id;
  };
  const openAs = async (key: string, taskId: string): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${service.url}/ui/login`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${service.url}/ui`);
    await page.goto(`${service.url}/ui/tasks/${taskId}`);
    await page.locator('table.agent-figures').waitFor({ timeout: 20_000 });
    return page;
  };
  const rows = (page: Page) =>
    page.locator('table.agent-figures tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent)));

  beforeAll(async () => {
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-stats-page-');
    // The claude stand-in writes what the description says and reports $0.01, as Claude Code reports cost.
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir, KAGE_CLAUDE_BIN: fakeCli });
    browser = await launchChromium();
    firstTask = await submit([bad, { agent: 'claude' }]);
    await submit([bad, { agent: 'claude' }]);
    const made = await service.request('/api/v1/keys', { method: 'POST', json: { name: 'alice', scopes: ['tasks:read', 'tasks:write'] } });
    aliceKey = ((await made.json()) as { secret: string }).secret;
    aliceTask = await submit([{ agent: 'command', model: 'alice', command: ['sh', '-c', 'echo ok > ok.txt'] }], aliceKey);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.kill('SIGTERM');
    await repo?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the table per agent and model and a chart of cost per verified result with its text equivalent', async () => {
    const page = await openAs(TEST_API_KEY, firstTask);
    expect(await page.locator('.agent-stats .hint').textContent()).toBe('From every task on this repository.');
    // claude won both of its tasks at $0.01 each: 2 of 2 passed, Wilson's 95 % interval [34 %, 100 %]. The command agent reports no cost.
    expect(await rows(page)).toEqual([
      ['claude', '—', '2', '100 % (34 %–100 %), 2 of 2', '$0.01', expect.stringMatching(/^\d+ s$/), '2 (2 verified)', '$0.01'],
      ['command', 'alice', '1', '100 % (21 %–100 %), 1 of 1', '—', expect.stringMatching(/^\d+ s$/), '1 (1 verified)', '$0.00'],
      ['command', 'cheap', '2', '0 % (0 %–66 %), 0 of 2', '—', expect.stringMatching(/^\d+ s$/), '0 (0 verified)', 'no verified win'],
    ]);
    const chart = page.getByRole('img', { name: 'Cost per verified result by agent, by day' });
    expect(await chart.count()).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.locator('#cost-chart-desc').textContent()).toContain(`over 1 days, ${today} to ${today}`);
    // One line per agent and model with a verified win (cheap has none); each point is in the figures table.
    expect(await page.locator('.cost-chart-figure .legend li').allTextContents()).toEqual(['claude (circle)', 'command (alice) (square)']);
    await page.getByText("The chart's figures").click();
    expect(await page.locator('table.cost-points tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent)))).toEqual([
      [today, '$0.01', '$0.00'],
    ]);
    if (screenshots) await page.locator('section.agent-stats').screenshot({ path: join(screenshots, 'review-agent-stats.png') });
  });

  it('has no problem axe-core finds, with the chart and its figures open', async () => {
    const page = await openAs(TEST_API_KEY, firstTask);
    await page.locator('svg.cost-chart').waitFor();
    await page.getByText("The chart's figures").click();
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it("shows a scoped key only its own tasks' figures", async () => {
    const page = await openAs(aliceKey, aliceTask);
    expect(await page.locator('.agent-stats .hint').textContent()).toBe('From the tasks this key submitted.');
    expect((await rows(page)).map((cells) => cells.slice(0, 3))).toEqual([['command', 'alice', '1']]);
    expect(await page.locator('.cost-chart-figure .legend li').allTextContents()).toEqual(['command (alice) (circle)']);
  });
});
