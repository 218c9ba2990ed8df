/**
 * Proves the e2e harness: a real n8n from the cache, with this repository's community package
 * installed from its packed tarball the way users install it, imports and publishes a workflow
 * from a file, answers its production webhook, and lists the execution through the public API.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communityPackageName, packCommunityPackage } from '../support/community-package.ts';
import { N8nClient } from '../support/n8n-api.ts';
import { N8nServer } from '../support/n8n-server.ts';

const workflowFile = fileURLToPath(new URL('./fixtures/smoke-webhook.json', import.meta.url));

describe('a real n8n with the community package installed', () => {
  let n8n: N8nServer;
  let api: N8nClient;
  let workflowId: string;
  let tarball: string;

  beforeAll(async () => {
    n8n = await N8nServer.create();
    tarball = await packCommunityPackage(join(n8n.userFolder, 'packed'));
    await n8n.installCommunityPackage(tarball);
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

  it('loads the package nodes under the package name, as the shipped workflows reference them', async () => {
    const names = await api.nodeTypeNames();
    expect(names).toContain('n8n-nodes-base.webhook');
    // Nodes usable as AI tools also appear as `<name>Tool`; these four are what workflows use.
    expect(names).toEqual(expect.arrayContaining([
      `${communityPackageName}.kageBunshinAwaitProgress`,
      `${communityPackageName}.kageBunshinMerge`,
      `${communityPackageName}.kageBunshinSubmitTask`,
      `${communityPackageName}.kageBunshinTrigger`,
    ]));
  });

  it('installs from a tarball holding only the built nodes, README, licence and changelog', async () => {
    const { stdout } = await execa('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter((path) => path && !path.endsWith('/')).map((path) => path.replace(/^package\//, ''));
    const unexpected = files.filter(
      (path) => !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(path) && !/^dist\/.+\.(js|node\.json|svg)$/.test(path),
    );
    expect(unexpected).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md', 'dist/credentials/KageBunshinApi.credentials.js']));
  });

  it('accepts Kage Bunshin credentials through its public API', async () => {
    expect(await api.credentialTypeNames()).toContain('kageBunshinApi');
    const id = await api.createCredential({
      name: 'Kage Bunshin (e2e)',
      type: 'kageBunshinApi',
      data: { baseUrl: 'http://127.0.0.1:8000', apiKey: 'kage-e2e-key', webhookSecret: 'whsec_ZTJlLXNlY3JldC1mb3ItdGVzdHMtb25seQ==' },
    });
    expect(id).toMatch(/\S/);
  });
});
