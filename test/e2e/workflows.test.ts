/**
 * The shipped example workflows, imported unchanged into a real n8n that has this package
 * installed from its tarball, driving a real service over HTTP. The coding agents are stand-ins
 * for the claude, codex and gemini CLIs (fixtures/fake-cli-agent.mjs): same argv, same output.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCommunityPackage } from '../support/community-package.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../support/git-repo.ts';
import { N8nClient } from '../support/n8n-api.ts';
import { N8nServer } from '../support/n8n-server.ts';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { TEST_API_KEY } from '../support/service-harness.ts';

const workflowsDir = fileURLToPath(new URL('../../workflows', import.meta.url));
const fakeAgent = fileURLToPath(new URL('./fixtures/fake-cli-agent.mjs', import.meta.url));
const webhookSecret = `whsec_${Buffer.from('kage-bunshin-e2e-webhook-secret!').toString('base64')}`;

describe('the example workflows in a real n8n', () => {
  let repo: TestRepo;
  let dataDir: string;
  let service: ServiceProcess;
  let n8n: N8nServer;
  let api: N8nClient;
  const workflowIds = new Map<string, string>();

  const post = (path: string, body: unknown) =>
    api.callWebhook(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-e2e-data-');
    service = await startServiceProcess({
      KAGE_DATA_DIR: dataDir,
      KAGE_CLAUDE_BIN: fakeAgent,
      KAGE_CODEX_BIN: fakeAgent,
      KAGE_GEMINI_BIN: fakeAgent,
    });
    n8n = await N8nServer.create();
    await n8n.installCommunityPackage(await packCommunityPackage(join(n8n.userFolder, 'packed')));
    await n8n.start();
    api = new N8nClient(n8n.baseUrl);
    await api.login(n8n.owner);
    await api.createApiKey();
    // The shipped workflows name this credential; n8n links them to it by name at import.
    await api.createCredential({
      name: 'Kage Bunshin account',
      type: 'kageBunshinApi',
      data: { baseUrl: service.url, apiKey: TEST_API_KEY, webhookSecret },
    });
    for (const file of readdirSync(workflowsDir).filter((f) => f.endsWith('.json'))) {
      const [id] = await n8n.importWorkflow(join(workflowsDir, file));
      workflowIds.set(file, id!);
      await api.publishWorkflow(id!);
    }
  });

  afterAll(async () => {
    await n8n?.stop();
    await service?.kill('SIGTERM');
    await repo?.cleanup();
    if (n8n) rmSync(n8n.userFolder, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('best of three: runs three agents, verifies, merges the winner and answers with it', async () => {
    const response = await post('kage-best-of-three', {
      description: 'write notes.txt containing "notes by {agent}"',
      repositoryPath: repo.path,
      verifyCommand: ['grep', '-q', 'codex', 'notes.txt'],
    });
    const body = await response.json();
    expect(response.status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.winner).toMatch(/codex/);
    expect(body.merge).toMatchObject({ status: 'merged', targetBranch: 'main' });
    expect(await repo.git('show', 'main:notes.txt')).toBe('notes by codex');
    expect(await repo.head('main')).toBe(body.merge.commit);

    const execution = await api.waitForExecution({ workflowId: workflowIds.get('best-of-three.json') }, (e) => e.status === 'success');
    expect(Object.keys(execution.data?.resultData?.runData ?? {})).toEqual(
      expect.arrayContaining(['Coding Request', 'Submit Task', 'Await Result', 'Merge Winner', 'Answer']),
    );
  });

  it('fire and forget: answers at once with the task id and its progress stream', async () => {
    const response = await post('kage-fire-and-forget', {
      description: 'write later.txt containing "later by {agent}"',
      repositoryPath: repo.path,
      agent: 'gemini',
    });
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(202);
    expect(body.progressUrl).toBe(`/api/v1/tasks/${body.taskId}/progress`);
    const task = await (await service.request(`/api/v1/tasks/${body.taskId}`)).json();
    expect(task.agents.map((a: { agent: string }) => a.agent)).toEqual(['gemini']);
  });
});
