/**
 * Proves the e2e harness: a real n8n from the cache imports and publishes a workflow from a file,
 * answers its production webhook, and lists the execution through the public API.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { N8nClient } from '../support/n8n-api.ts';
import { N8nServer } from '../support/n8n-server.ts';

const workflowFile = fileURLToPath(new URL('./fixtures/smoke-webhook.json', import.meta.url));

describe('a real n8n', () => {
  let n8n: N8nServer;
  let api: N8nClient;
  let workflowId: string;

  beforeAll(async () => {
    n8n = await N8nServer.create();
    const ids = await n8n.importWorkflow(workflowFile);
    expect(ids).toEqual(['KageSmokeWebhook']);
    workflowId = ids[0]!;
    await n8n.publishWorkflow(workflowId);
    await n8n.start();
    api = new N8nClient(n8n.baseUrl);
    await api.login(n8n.owner);
    await api.createApiKey();
  });

  afterAll(async () => {
    await n8n?.stop();
    if (n8n) rmSync(n8n.userFolder, { recursive: true, force: true });
  });

  it('answers the published workflow webhook and lists the execution in its public API', async () => {
    const response = await api.callWebhook('kage-smoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'kage' }),
    });
    expect(response.status, n8n.logTail()).toBe(200);
    expect(await response.json()).toEqual({ ok: true, greeting: 'hello kage' });

    const execution = await api.waitForExecution({ workflowId }, (e) => e.status === 'success');
    expect(execution.mode).toBe('webhook');
    const webhookRuns = execution.data?.resultData?.runData?.['Webhook'];
    expect(JSON.stringify(webhookRuns)).toContain('"name":"kage"');
  });

  it('lists the node types it loaded', async () => {
    const names = await api.nodeTypeNames();
    expect(names).toContain('n8n-nodes-base.webhook');
  });
});
