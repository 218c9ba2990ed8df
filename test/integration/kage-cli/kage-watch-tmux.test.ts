/**
 * `kage watch` in a real terminal: tmux (its own server, on its own socket) runs it against a
 * live task of three attempts, and the test reads the screen with capture-pane while they run:
 * a row per attempt, redrawn in place (the header once), each with its latest output line,
 * then the winner.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

/** KAGE_SCREENSHOTS=<folder> also saves the README's picture of the screen there. */
const screenshots = process.env.KAGE_SCREENSHOTS;
const kagePath = fileURLToPath(new URL('../../../service/src/kage/kage.ts', import.meta.url));

describe('kage watch in tmux', () => {
  let service: TestService;
  let repo: TestRepo;
  const socket = `kage-test-${randomBytes(4).toString('hex')}`;
  const tmux = (...args: string[]) => execa('tmux', ['-L', socket, '-f', '/dev/null', ...args]);

  beforeAll(async () => {
    service = await startTestService({ kind: 'pglite', listen: true, workers: 3 });
    repo = await createTestRepo({ 'README.md': '# watch\n' });
  });
  afterAll(async () => {
    await tmux('kill-server').catch(() => {});
    await service?.stop();
    await repo?.cleanup();
  });

  it('shows three attempts live, then the winner', async () => {
    // Three attempts printing a line a second; the third writes the file verify looks for.
    const attempt = (name: string, steps: number, writes: boolean) => ({
      agent: 'command',
      command: ['sh', '-c', `i=1; while [ $i -le ${steps} ]; do echo "${name} step $i"; i=$((i+1)); sleep 1; done${writes ? '; echo ok > done.txt' : ''}`],
    });
    const submitted = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'Watch me',
        repository: { path: repo.path },
        agents: [attempt('alpha', 4, false), attempt('beta', 5, false), attempt('gamma', 6, true)],
        verify: { command: ['test', '-f', 'done.txt'] },
      },
    });
    const { id } = (await submitted.json()) as { id: string };

    await tmux('new-session', '-d', '-s', 'keep');
    await tmux('set-option', '-g', 'remain-on-exit', 'on');
    await tmux('new-session', '-d', '-s', 'watch', '-x', '110', '-y', '24', '-e', `KAGE_URL=${service.url}`, '-e', `KAGE_API_KEY=${TEST_API_KEY}`, process.execPath, kagePath, 'watch', id);

    const screens: string[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const screen = (await tmux('capture-pane', '-p', '-t', 'watch')).stdout;
      screens.push(screen);
      if (screen.includes('review:') || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    // The process ends by itself just after its last lines (its exit codes: kage-cli.test.ts).
    let pane = '';
    while (Date.now() < deadline) {
      pane = (await tmux('display-message', '-p', '-t', 'watch', '#{pane_dead}')).stdout.trim();
      if (pane === '1') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // While they ran: one screen with all three attempts running, each showing its own latest line.
    const live = screens.find((screen) => ['alpha', 'beta', 'gamma'].every((name) => new RegExp(`command-\\d\\s+running\\s+.*${name} step \\d`).test(screen)));
    expect(live, screens.at(-1)).toBeDefined();
    expect(live!.match(/^attempt\s+status/gm)).toHaveLength(1);
    // The whole pane, scrolled-off lines included: a redraw that did not go back over the old
    // table would leave copies of it here.
    const last = (await tmux('capture-pane', '-p', '-S', '-', '-t', 'watch')).stdout;
    expect(last).toContain(`task ${id}: completed: winner command-3`);
    expect(last).toMatch(/command-3\s+succeeded\s+passed/);
    expect(last).toMatch(/command-1\s+succeeded\s+failed\s+-\s+alpha step 4/);
    expect(last.match(/^attempt\s+status/gm)).toHaveLength(1);
    expect(pane).toBe('1');
    if (screenshots) {
      const trimmed = (screen: string) => screen.replace(/\n*Pane is dead.*$/s, '').trimEnd();
      await saveScreenshot(join(screenshots, 'kage-watch.png'), `$ kage watch ${id}   (while it runs)\n${trimmed(live!)}\n\n$ (at the end)\n${trimmed(last)}`);
    }
  });
});

/** The terminal's text as a picture for the README (KAGE_SCREENSHOTS=<folder>): chromium draws it in a monospace pane. */
async function saveScreenshot(path: string, screen: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 200 } });
    const escaped = screen.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
    await page.setContent(`<body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:12px;color:#e6e6e6;font:13px/1.35 monospace">${escaped}</pre></body>`);
    await page.locator('pre').screenshot({ path });
  } finally {
    await browser.close();
  }
}
