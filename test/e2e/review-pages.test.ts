/**
 * The review pages in a real browser (Debian's chromium), against the service as a process:
 * log in, watch a task appear and its logs grow live, read each attempt's diff, merge, discard,
 * cancel; and the two attacks a page must survive: a form posted from another site, and agents
 * whose output is markup; and axe-core on every page. KAGE_SCREENSHOTS=<folder> also saves the README's screenshots there.
 */
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems } from '../support/accessibility.ts';
import { launchChromium } from '../support/browser.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../support/git-repo.ts';
import { fixturesDir, makeGateDir, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { TEST_API_KEY, waitForTaskEnd } from '../support/service-harness.ts';
import { taggedProcesses } from '../support/tagged-processes.ts';
import { until } from '../support/until.ts';

const reviewAgent = join(fixturesDir, 'fake-agents/review-agent.mjs');
const fakeCli = fileURLToPath(new URL('./fixtures/fake-cli-agent.mjs', import.meta.url));
const screenshots = process.env.KAGE_SCREENSHOTS;

describe('the review pages in a real browser', () => {
  let repo: TestRepo;
  let dataDir: string;
  let gates: string;
  let service: ServiceProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let finishedTask: string;

  const agent = (gate: string, file: string, content = `${file} by the agent`, ...extra: string[]) => ({
    agent: 'command',
    command: ['node', reviewAgent, join(gates, gate), file, content, ...extra],
  });
  const submit = async (description: string, agents: unknown[]): Promise<string> => {
    const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description, repository: { path: repo.path }, agents } });
    expect(response.status, await response.clone().text()).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const openGate = (gate: string) => writeFileSync(join(gates, gate), '');
  const headStatus = () => page.locator('#task-head .badge').first();

  beforeAll(async () => {
    repo = await createTestRepo({ 'README.md': '# review me\n', 'src/app.js': 'export const answer = 41;\n' });
    dataDir = await makeTempDir('kage-review-data-');
    gates = await makeGateDir();
    // claude is the CLI stand-in the workflow tests use; codex is missing, as on a machine without it.
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir, KAGE_CLAUDE_BIN: fakeCli, KAGE_CODEX_BIN: join(dataDir, 'no-codex-here') });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.kill('SIGTERM');
    await repo?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs in with an API key and keeps only an HttpOnly session cookie', async () => {
    await page.goto(`${service.url}/ui`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.getByLabel('API key').fill('not-the-key');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('.problem').textContent()).toContain('not an API key');
    await page.getByLabel('API key').fill(TEST_API_KEY);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${service.url}/ui`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'kage_session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000);
    const visibleToScripts = await page.evaluate('[document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)].join("|")');
    expect(visibleToScripts).not.toContain(TEST_API_KEY);
    expect(visibleToScripts).not.toContain(cookie!.value);
  });

  it('shows a new task in the list without a reload, then its attempts side by side with logs growing live', async () => {
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    finishedTask = await submit('Write two notes and one hostile file', [
      agent('first', 'first.txt'),
      agent('second', 'answer.js', 'export const answer = 42;'),
      agent('hostile', 'x', 'x', '--hostile'),
    ]);
    const row = page.locator(`tr[data-task-id="${finishedTask}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.getByRole('link').click();
    await page.waitForURL(`${service.url}/ui/tasks/${finishedTask}`);
    await expect.poll(() => page.locator('article.attempt').count()).toBe(3);
    const firstLog = page.locator('article[data-label="command-1"] .log > div');
    await expect.poll(() => firstLog.count(), { timeout: 20_000 }).toBeGreaterThan(3);
    const seen = await firstLog.count();
    await expect.poll(() => firstLog.count(), { timeout: 20_000 }).toBeGreaterThan(seen + 3);
    expect(await headStatus().textContent()).toBe('running');

    for (const gate of ['first', 'second', 'hostile']) openGate(gate);
    await expect.poll(() => headStatus().textContent(), { timeout: 30_000 }).toBe('completed');
    await expect.poll(() => page.locator('.badge.winner').count()).toBe(1);
    expect(await page.locator('article[data-label="command-1"] .log').textContent()).toContain('done: wrote first.txt');
  });

  it("shows each attempt's diff, highlighted, unified and side by side", async () => {
    await page.locator('article[data-label="command-2"]').getByRole('button', { name: 'Diff' }).click();
    await expect.poll(() => page.locator('#diff-panel .d2h-file-header .d2h-file-name').allTextContents()).toEqual(['answer.js']);
    expect(await page.locator('#diff-panel .d2h-file-diff').textContent()).toContain('export const answer = 42;');
    expect(new Set(await page.locator('#diff-panel .d2h-file-diff .hljs-keyword').allTextContents())).toEqual(new Set(['export', 'const']));
    if (screenshots) await page.screenshot({ path: join(screenshots, 'review-task.png'), fullPage: true });
    await page.getByLabel('Diff layout').selectOption('side-by-side');
    await expect.poll(() => page.locator('#diff-panel .d2h-file-side-diff').count()).toBe(2);
    await page.locator('article[data-label="command-1"]').getByRole('button', { name: 'Diff' }).click();
    await expect.poll(() => page.locator('#diff-panel .d2h-file-header .d2h-file-name').allTextContents()).toEqual(['first.txt']);
  });

  it('shows whatever an agent printed as text: no markup of it runs', async () => {
    const hostile = page.locator('article[data-label="command-3"]');
    await hostile.getByRole('button', { name: 'Diff' }).click();
    await expect.poll(async () => (await page.locator('#diff-panel .d2h-file-header .d2h-file-name').allTextContents()).map((name) => name.trim())).toEqual(['<img src=x onerror=window.__pwned=7>.txt']);
    expect(await page.locator('#diff-panel .d2h-file-wrapper').textContent()).toContain("<script>window.__pwned = 'diff'</script>");
    expect(await hostile.locator('.log').textContent()).toContain("<script>window.__pwned = 'log'</script>");
    await hostile.getByText('Final message').click();
    expect(await hostile.locator('details pre').last().textContent()).toContain('<b onmouseover=');
    await hostile.locator('details pre').last().hover();
    expect(await page.locator('#main script, #main img, #main b[onmouseover]').count()).toBe(0);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
  });

  it("merges an attempt: the repository's branch moves and the page says so", async () => {
    const before = await repo.head('main');
    await page.locator('#merge-attempt').selectOption('command-1');
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/Merged command-1 into main: it moved from \w{8} to \w{8}/);
    const after = await repo.head('main');
    expect(after).not.toBe(before);
    expect(await repo.git('show', 'main:first.txt')).toBe('first.txt by the agent');
    await expect.poll(() => page.locator('.merge-history li').textContent()).toContain(`command-1 → main, auto, merged ${after.slice(0, 8)}`);
    // Merged: the page says what happened and no longer offers the merge form.
    await expect.poll(() => page.locator('#merged').textContent()).toContain(`Merged: command-1 into main (auto) at ${after.slice(0, 8)}`);
    expect(await page.locator('#actions form, #merge-attempt').count()).toBe(0);
    expect(await page.locator('#discard').count()).toBe(1);
    await page.locator('article[data-label="command-2"]').getByRole('button', { name: 'Check conflicts' }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toContain('command-2 merges cleanly into main');
  });

  it('refuses a form posted to it from another site, though the browser sends the cookie along', async () => {
    const attacker = await startPageServer(`<form method="post" action="${service.url}/api/v1/tasks/${finishedTask}/discard"></form>
<script>document.forms[0].submit()</script>`);
    try {
      const other = await context.newPage();
      await other.goto(attacker.url);
      await other.waitForURL(`${service.url}/api/v1/tasks/${finishedTask}/discard`);
      // 403 cross_site_request, not 401: the cookie came along (same site, another port) and the Origin check refused it.
      expect(await other.locator('body').textContent()).toContain('cross_site_request');
      await other.close();
    } finally {
      attacker.server.close();
    }
    expect(await repo.git('branch', '--list', 'kage/*')).toContain('command-2');
  });

  it("discards the task's branches from the page", async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/Discarded: removed \d+ worktrees and 3 branches/);
    expect(await repo.git('branch', '--list', 'kage/*')).toBe('');
  });

  it('cancels a running task from its page, and its agents stop', async () => {
    const running = await submit('Work until cancelled', [agent('never', 'never.txt')]);
    await page.goto(`${service.url}/ui/tasks/${running}`);
    await expect.poll(() => page.locator('article.attempt .log > div').count(), { timeout: 20_000 }).toBeGreaterThan(2);
    await page.getByRole('button', { name: 'Cancel task' }).click();
    await expect.poll(() => headStatus().textContent(), { timeout: 30_000 }).toBe('cancelled');
    expect((await waitForTaskEnd(service, running)).status).toBe('cancelled');
    await until('the cancelled agent is gone', async () => (taggedProcesses(running).length === 0 ? true : undefined), 15_000);
    await page.goto(`${service.url}/ui`);
    await page.locator(`tr[data-task-id="${running}"][data-status="cancelled"]`).waitFor();
    if (screenshots) await page.screenshot({ path: join(screenshots, 'review-tasks.png') });
  });

  it('starts a task from the form, with the agents the service can run', async () => {
    await page.getByRole('link', { name: 'New task' }).first().click();
    await page.waitForURL(`${service.url}/ui/tasks/new`);
    const codex = page.locator('.agent-choice', { hasText: 'Codex' });
    expect(await codex.getByRole('checkbox').isDisabled()).toBe(true);
    expect(await codex.locator('.hint').textContent()).toMatch(/Not installed here: .*npm/);
    await page.getByLabel('What should the agents do?').fill('write form.txt containing "from the form by {agent}"');
    await page.getByLabel('Local path or git URL').fill(repo.path);
    await page.getByLabel('Verify command').fill('["grep", "-q", "from the form", "form.txt"]');
    await page.locator('.agent-choice', { hasText: 'Claude' }).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Start the task' }).click();
    await page.waitForURL(/\/ui\/tasks\/[0-9a-f-]{36}$/);
    await expect.poll(() => headStatus().textContent(), { timeout: 30_000 }).toBe('completed');
    expect(await page.locator('article[data-label="claude-1"] .verify summary').textContent()).toBe('Verify passed (exit 0)');

    await page.goto(`${service.url}/ui/tasks/new`);
    await page.getByLabel('What should the agents do?').fill('no agent chosen');
    await page.getByLabel('Local path or git URL').fill('relative/path');
    await page.locator('.agent-choice', { hasText: 'Claude' }).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Start the task' }).click();
    await expect.poll(() => page.locator('#form-outcome').textContent()).toMatch(/repository.path must be an absolute path.*\(400 \w+\)/);
  });

  it('warns plainly when no attempt passed verify, and merges the untested winner only with Allow unverified ticked', async () => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'write untested.txt containing "untested by {agent}"',
        repository: { path: repo.path },
        agents: [{ agent: 'claude' }],
        verify: { command: ['grep', '-q', 'nobody', 'untested.txt'] },
      },
    });
    const { id } = (await response.json()) as { id: string };
    await page.goto(`${service.url}/ui/tasks/${id}`);
    await expect.poll(() => headStatus().textContent(), { timeout: 30_000 }).toBe('completed');
    const warning = page.getByRole('alert');
    expect(await warning.textContent()).toBe(
      'No attempt passed verify. The winner claude-1 is untested: grep -q nobody untested.txt failed on it. Merging it or opening a pull request needs "Allow unverified" ticked.',
    );
    expect(await page.locator('.badge.winner').textContent()).toBe('winner · untested');
    const before = await repo.head('main');
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toContain('Attempt claude-1 of task');
    expect(await page.locator('#outcome').textContent()).toMatch(/did not pass verify .*no attempt passed verify/);
    expect(await repo.head('main')).toBe(before);
    await page.getByLabel('Allow unverified').check();
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await expect.poll(() => page.locator('#outcome').textContent()).toMatch(/Merged claude-1 into main/);
    expect(await repo.git('show', 'main:untested.txt')).toBe('untested by claude');
  });

  it('has no problem axe-core finds on any page: the list, a task with its diff, the new-task form, the login form', async () => {
    const problems: Record<string, string[]> = {};
    for (const path of ['/ui', `/ui/tasks/${finishedTask}`, '/ui/tasks/new']) {
      await page.goto(`${service.url}${path}`);
      await page.waitForLoadState('networkidle');
      problems[path] = await accessibilityProblems(page);
    }
    const signedOut = await browser.newPage();
    await signedOut.goto(`${service.url}/ui/login`);
    problems['/ui/login'] = await accessibilityProblems(signedOut);
    await signedOut.close();
    expect(problems).toEqual({ '/ui': [], [`/ui/tasks/${finishedTask}`]: [], '/ui/tasks/new': [], '/ui/login': [] });
  });

  it('logs out: the cookie no longer opens the pages', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${service.url}/ui/login`);
    await page.goto(`${service.url}/ui/tasks/${finishedTask}`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
  });
});

async function startPageServer(body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><body>${body}</body>`));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('page server has no address');
  return { url: `http://127.0.0.1:${address.port}/`, server };
}
