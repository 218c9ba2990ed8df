/**
 * Submit Task's Strategy, Tier and Choose Agents Automatically as a person meets them in the real
 * n8n editor (Debian's chromium): Choose Agents Automatically for All and Race, with Number of
 * Agents once it is on; for a Cascade, each agent's Tier instead.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { packCommunityPackage } from '../support/community-package.ts';
import { makeTempDir } from '../support/git-repo.ts';
import { N8nClient } from '../support/n8n-api.ts';
import { N8nEditor } from '../support/n8n-editor.ts';
import { N8nServer } from '../support/n8n-server.ts';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { TEST_API_KEY } from '../support/service-harness.ts';
import { e2eWebhookSecret } from '../support/workflow-stack.ts';

describe("Submit Task's strategy fields in the real n8n editor", () => {
  let service: ServiceProcess;
  let n8n: N8nServer;
  let browser: Browser;
  let editor: N8nEditor;
  let api: N8nClient;
  let dataDir: string;
  let shots: string;
  let workflowId = '';

  beforeAll(async () => {
    dataDir = await makeTempDir('kage-editor-strategy-');
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir });
    n8n = await N8nServer.create();
    await n8n.installCommunityPackage(await packCommunityPackage(join(n8n.userFolder, 'packed')));
    await n8n.start();
    api = new N8nClient(n8n.baseUrl);
    const cookie = await api.login(n8n.owner);
    await api.createApiKey();
    const credential = await api.createCredential({
      name: 'Kage Bunshin account',
      type: 'kageBunshinApi',
      data: { baseUrl: service.url, apiKey: TEST_API_KEY, webhookSecret: e2eWebhookSecret },
    });
    ({ id: workflowId } = await api.publicApi<{ id: string }>('POST', '/workflows', {
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
    }));
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

  it('offers Choose Agents Automatically for All and Race, Number of Agents once it is on, and a Tier per agent for a Cascade', async () => {
    await editor.page.goto(`${n8n.baseUrl}/workflow/${workflowId}`);
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
});
