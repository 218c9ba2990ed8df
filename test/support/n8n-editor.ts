/**
 * The n8n editor as a person uses it, in a real browser: the canvas, the node panel (n8n calls
 * it the node creator) and a node's parameter panel (NDV). Selectors are n8n's own
 * `data-test-id` attributes, the ones n8n's Playwright tests use.
 */
import { expect } from 'vitest';
import { selectors, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

selectors.setTestIdAttribute('data-test-id');

export class N8nEditor {
  readonly page: Page;
  private readonly baseUrl: string;

  private constructor(page: Page, baseUrl: string) {
    this.page = page;
    this.baseUrl = baseUrl;
  }

  /** A logged-in editor tab: `sessionCookie` is the `n8n-auth=…` pair from POST /rest/login. */
  static async open(browser: Browser, baseUrl: string, sessionCookie: string): Promise<N8nEditor> {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const [name, ...value] = sessionCookie.split('=');
    await context.addCookies([{ name: name!, value: value.join('='), url: baseUrl }]);
    return new N8nEditor(await context.newPage(), baseUrl);
  }

  async newWorkflow(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/workflow/new`);
    await this.page.getByTestId('canvas').waitFor();
  }

  /** Opens the node panel from the empty canvas's "Add first step" (it offers triggers first). */
  async openPanelFromEmptyCanvas(): Promise<void> {
    await this.page.getByTestId('canvas-add-button').click();
    await this.page.getByTestId('node-creator').waitFor();
  }

  /** Opens the node panel with the canvas's "+" button, once the workflow has a node. */
  async openPanel(): Promise<void> {
    await this.page.getByTestId('node-creator-plus-button').click();
    await this.page.getByTestId('node-creator').waitFor();
  }

  async closePanel(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.getByTestId('node-creator').waitFor({ state: 'hidden' });
  }

  /** Types into the panel's search and returns the names it lists once the list has settled. */
  async search(text: string): Promise<string[]> {
    const items = this.page.getByTestId('node-creator-item-name');
    const read = async () => (await items.allTextContents()).map((name) => name.trim());
    const before = JSON.stringify(await read());
    await this.page.getByTestId('node-creator-search-bar').fill(text);
    // The panel filters as it is typed into and may show an intermediate list for a moment.
    let previous = '';
    let stableReads = 0;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && stableReads < 3; ) {
      await this.page.waitForTimeout(350);
      const now = JSON.stringify(await read());
      stableReads = now === previous && now !== before ? stableReads + 1 : 0;
      previous = now;
    }
    return await read();
  }

  /** Clicks a listed item by its exact name (a node, then perhaps one of its actions). */
  async choose(name: string): Promise<void> {
    await this.panelItem(name).click();
  }

  panelItem(name: string): Locator {
    return this.page.getByTestId('node-creator-item-name').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(name)}\\s*$`) });
  }

  /** The parameter panel of the node just added or opened. */
  get ndv(): Locator {
    return this.page.getByTestId('ndv');
  }

  parameter(name: string): Locator {
    return this.ndv.getByTestId(`parameter-input-${name}`);
  }

  /** Picks `option` in the options parameter `name` (loaded options included). */
  async selectOption(name: string, option: string): Promise<void> {
    const headline = this.page.locator('.option-headline').getByText(option, { exact: true });
    const item = this.page.locator('[role=option]:visible').filter({ has: headline });
    // A select whose options are still loading ignores the click: open it again until they show.
    for (let tries = 0; ; tries++) {
      await this.parameter(name).locator('input').first().click();
      const shown = await item.waitFor({ timeout: 3_000 }).then(() => true, () => false);
      if (shown) break;
      if (tries === 4) throw new Error(`parameter ${name} offers no option "${option}"`);
      await this.page.keyboard.press('Escape');
    }
    await item.click();
  }

  /** Opens the parameter panel of a node on the canvas, as a double click does. */
  async openNode(nodeName: string): Promise<void> {
    await this.page.getByTestId('canvas-node').filter({ hasText: nodeName }).dblclick();
    await this.ndv.waitFor();
  }

  async closeNdv(): Promise<void> {
    await this.ndv.getByTestId('ndv-close-button').click();
    await this.ndv.waitFor({ state: 'hidden' });
  }

  /** The lines the canvas shows for each node: its name, then its subtitle. */
  async canvasNodeLines(): Promise<string[][]> {
    const texts = await this.page.getByTestId('canvas-node').allInnerTexts();
    return texts.map((text) => text.split('\n').map((line) => line.trim()).filter(Boolean));
  }

  /** Clicks the "+" of the AI Agent node's Tool input: the panel then offers tools only. */
  async openToolPanel(agentNodeName: string): Promise<void> {
    const handle = this.page.locator(
      `[data-test-id=canvas-node-input-handle][data-connection-type=ai_tool][data-node-name="${agentNodeName}"]`,
    );
    await handle.getByTestId('canvas-handle-plus').click();
    await this.page.getByTestId('node-creator').waitFor();
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}

/** Expects every name in `wanted` among the listed items, with the list in the failure message. */
export function expectListed(listed: string[], wanted: string[], searched: string): void {
  for (const name of wanted) expect(listed, `searching "${searched}" listed: ${listed.join(', ')}`).toContain(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
