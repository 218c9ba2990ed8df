/**
 * The nodes as a person meets them: the real n8n editor in a real browser (Debian's chromium).
 * Searching the node panel must find every node, from the empty canvas and after another node,
 * and from an AI Agent's tool input for the tool variants; each is added by clicking, and its
 * parameter panel shows the parameters that apply (Submit Task's strategy fields among them). Screenshots go to KAGE_SCREENSHOT_DIR when
 * set (the README's come from `KAGE_SCREENSHOT_DIR=docs/screenshots npm run test:e2e`).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { packCommunityPackage } from '../support/community-package.ts';
import { makeTempDir } from '../support/git-repo.ts';
import { N8nClient } from '../support/n8n-api.ts';
import { expectListed, N8nEditor } from '../support/n8n-editor.ts';
import { N8nServer } from '../support/n8n-server.ts';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { TEST_API_KEY } from '../support/service-harness.ts';
import { e2eWebhookSecret } from '../support/workflow-stack.ts';

const actionNodes = [
  { name: 'Kage Bunshin Submit Task', action: 'Submit a task', subtitle: 'submit a task', shot: 'submit-task' },
  { name: 'Kage Bunshin Await Progress', action: 'Wait for a task', subtitle: 'wait: task finished', shot: 'await-progress' },
  { name: 'Kage Bunshin Merge', action: 'Merge an attempt', subtitle: 'merge: best attempt', shot: 'merge' },
];
const actionNodeNames = actionNodes.map((node) => node.name);

describe('the nodes in the real n8n editor', () => {
  let service: ServiceProcess;
  let n8n: N8nServer;
  let browser: Browser;
  let editor: N8nEditor;
  let api: N8nClient;
  let dataDir: string;
  let shots: string;
  let credential: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('kage-editor-data-');
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir });
    n8n = await N8nServer.create();
    await n8n.installCommunityPackage(await packCommunityPackage(join(n8n.userFolder, 'packed')));
    await n8n.start();
    api = new N8nClient(n8n.baseUrl);
    const cookie = await api.login(n8n.owner);
    await api.createApiKey();
    credential = await api.createCredential({
      name: 'Kage Bunshin account',
      type: 'kageBunshinApi',
      data: { baseUrl: service.url, apiKey: TEST_API_KEY, webhookSecret: e2eWebhookSecret },
    });
    shots = process.env.KAGE_SCREENSHOT_DIR ? resolve(process.env.KAGE_SCREENSHOT_DIR) : join(n8n.userFolder, 'screenshots');
    mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
    editor = await N8nEditor.open(browser, n8n.baseUrl, cookie);
  });

  afterAll(async () => {
    await editor?.close();
    await browser?.close();
    await n8n?.stop();
    await service?.kill('SIGTERM');
    if (n8n) rmSync(n8n.userFolder, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds every node from the empty canvas by "kage", "bunshin" and its name, and adds the Trigger', async () => {
    await editor.newWorkflow();
    await editor.openPanelFromEmptyCanvas();
    // The first step's panel lists triggers by app: the Trigger shows as "Kage Bunshin".
    for (const query of ['kage', 'bunshin']) {
      expectListed(await editor.search(query), [...actionNodeNames, 'Kage Bunshin'], query);
    }
    await editor.screenshot(join(shots, 'node-panel-search.png'));
    for (const name of actionNodeNames) expectListed(await editor.search(name), [name], name);
    expectListed(await editor.search('Kage Bunshin Trigger'), ['Kage Bunshin'], 'Kage Bunshin Trigger');

    await editor.choose('Kage Bunshin');
    await editor.choose('On task completed');
    await expect(editor.parameter('events').innerText()).resolves.toContain('Task Completed');
    await editor.screenshot(join(shots, 'trigger.png'));
    await editor.closeNdv();
    const nodes = await editor.canvasNodeLines();
    expect(nodes.some((lines) => lines.includes('Kage Bunshin Trigger') && lines.includes('on task completed')), JSON.stringify(nodes)).toBe(true);
  });

  it('finds each node after another one, adds it by clicking, opens its panel and subtitles it in words', async () => {
    for (const node of actionNodes) {
      await editor.openPanel();
      for (const query of ['kage', 'bunshin', node.name]) expectListed(await editor.search(query), [node.name], query);
      await editor.choose(node.name);
      await editor.choose(node.action);
      await editor.ndv.waitFor();
      await editor.screenshot(join(shots, `${node.shot}.png`));
      await editor.closeNdv();
      const subtitles = (await editor.canvasNodeLines()).map((lines) => lines.at(-1));
      expect(subtitles, node.name).toContain(node.subtitle);
    }
  });

  it('shows Command only for "Any Command", Model and Extra Arguments only for the agent CLIs, and the remote fields only for a Remote URL', async () => {
    await editor.openNode('Submit a task');
    // waitFor: the panel renders its parameters a moment after it opens.
    await editor.parameter('model').waitFor();
    await editor.parameter('args').waitFor();
    await expect(editor.parameter('command').count()).resolves.toBe(0);

    await editor.selectOption('agent', 'Any Command');
    await editor.parameter('command').waitFor();
    await expect(editor.parameter('model').count()).resolves.toBe(0);
    await expect(editor.parameter('args').count()).resolves.toBe(0);
    await editor.screenshot(join(shots, 'submit-task-any-command.png'));

    // A remote repository: its URL and git credential instead of a local path.
    await editor.parameter('repositoryPath').waitFor();
    await expect(editor.parameter('repositoryUrl').count()).resolves.toBe(0);
    await editor.selectOption('repositorySource', 'Remote URL');
    await editor.parameter('repositoryUrl').waitFor();
    await editor.parameter('gitCredential').waitFor();
    await expect(editor.parameter('repositoryPath').count()).resolves.toBe(0);
    await editor.closeNdv();
  });

  it('offers Any ACP Agent with its Command, and Await Progress waiting until a task is merged', async () => {
    await editor.openNode('Submit a task');
    await editor.selectOption('agent', 'Any ACP Agent');
    await editor.parameter('command').waitFor();
    await expect(editor.parameter('model').count()).resolves.toBe(0);
    await editor.closeNdv();

    await editor.openNode('Kage Bunshin Await Progress');
    await editor.selectOption('waitFor', 'Task Merged');
    await editor.closeNdv();
    expect((await editor.canvasNodeLines()).map((lines) => lines.at(-1))).toContain('wait: task merged');
  });

  it("finds the tool variants from an AI Agent's tool input and adds one", async () => {
    await editor.newWorkflow();
    await editor.openPanelFromEmptyCanvas();
    await editor.search('AI Agent');
    await editor.choose('AI Agent');
    if (await editor.ndv.isVisible()) await editor.closeNdv();

    const tools = actionNodeNames.map((name) => `${name} Tool`);
    await editor.openToolPanel('AI Agent');
    for (const query of ['kage', 'bunshin']) expectListed(await editor.search(query), tools, query);
    for (const tool of tools) expectListed(await editor.search(tool), [tool], tool);
    await editor.search('Kage Bunshin Submit Task Tool');
    await editor.choose('Kage Bunshin Submit Task Tool');
    await editor.ndv.waitFor();
    await editor.screenshot(join(shots, 'submit-task-tool.png'));
    await editor.closeNdv();
  });

  it('offers Choose Agents Automatically for All and Race, Number of Agents once it is on, and a Tier per agent for a Cascade', async () => {
    const workflow = await api.publicApi<{ id: string }>('POST', '/workflows', {
      name: 'Strategy fields',
      settings: {},
      connections: {},
      nodes: [
        {
          id: 'c0000000-0000-4000-8000-000000000001',
          name: 'Submit Task',
          type: 'n8n-nodes-kage-bunshin.kageBunshinSubmitTask',
          typeVersion: 1,
          position: [0, 0],
          parameters: { resource: 'task', operation: 'submit', description: 'Fix it', repositoryPath: '/srv/app', agents: { agent: [{ agent: 'claude' }, { agent: 'codex' }] } },
          credentials: { kageBunshinApi: { id: credential, name: 'Kage Bunshin account' } },
        },
      ],
    });
    await editor.page.goto(`${n8n.baseUrl}/workflow/${workflow.id}`);
    await editor.page.getByTestId('canvas').waitFor();
    await editor.openNode('Submit Task');
    await editor.parameter('chooseAgents').waitFor();
    await expect(editor.parameter('agentCount').count()).resolves.toBe(0);
    await expect(editor.parameter('tier').count()).resolves.toBe(0);

    await editor.parameter('chooseAgents').locator('.el-switch').click();
    await editor.parameter('agentCount').waitFor();
    await editor.screenshot(join(shots, 'submit-task-choose-agents.png'));

    await editor.selectOption('strategy', 'Cascade');
    // A cascade names its agents tier by tier: nothing for the service to choose.
    await editor.parameter('tier').first().waitFor();
    await expect(editor.parameter('tier').count()).resolves.toBe(2);
    await expect(editor.parameter('chooseAgents').count()).resolves.toBe(0);
    await expect(editor.parameter('agentCount').count()).resolves.toBe(0);

    // Back to Race: the choice is offered again, off (n8n drops a parameter's value while it is hidden).
    await editor.selectOption('strategy', 'Race');
    await editor.parameter('chooseAgents').waitFor();
    await expect(editor.parameter('tier').count()).resolves.toBe(0);
    await expect(editor.parameter('agentCount').count()).resolves.toBe(0);
    await editor.parameter('chooseAgents').locator('.el-switch').click();
    await editor.parameter('agentCount').waitFor();
    await editor.closeNdv();
  });

  it("fails publishing a workflow whose Trigger credential has a wrong key, with the service's message", async () => {
    const wrong = await api.createCredential({
      name: 'Kage Bunshin (wrong key)',
      type: 'kageBunshinApi',
      data: { baseUrl: service.url, apiKey: 'not-a-key', webhookSecret: e2eWebhookSecret },
    });
    const workflow = await api.publicApi<{ id: string }>('POST', '/workflows', {
      name: 'Trigger with a wrong key',
      settings: {},
      connections: {},
      nodes: [
        {
          id: 'b0000000-0000-4000-8000-000000000001',
          name: 'Kage Bunshin Trigger',
          type: 'n8n-nodes-kage-bunshin.kageBunshinTrigger',
          typeVersion: 1,
          position: [0, 0],
          webhookId: 'b0000000-0000-4000-8000-0000000000aa',
          parameters: { events: ['task.completed'] },
          credentials: { kageBunshinApi: { id: wrong, name: 'Kage Bunshin (wrong key)' } },
        },
      ],
    });
    // n8n 2.41 publishes in the background (its publication outbox): the status tells the outcome.
    await api.publishWorkflow(workflow.id);
    type Status = { status: string; triggers: { status: string; errorMessage?: string }[] };
    let status: Status | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      status = await api.rest<Status>('GET', `/workflows/${workflow.id}/publication-status`);
      if (status.status !== 'in_progress') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toMatchObject({ status: 'failed', triggers: [{ status: 'failed', errorMessage: 'Invalid API key' }] });
    const subscriptions = (await (await service.request('/api/v1/subscriptions')).json()) as { items: unknown[] };
    expect(subscriptions.items).toEqual([]);
  });
});
