/**
 * The shipped example workflows, imported unchanged into a real n8n that has this package
 * installed from its tarball, driving a real service over HTTP. The coding agents are stand-ins
 * for the claude, codex and gemini CLIs (fixtures/fake-cli-agent.mjs): same argv, same output.
 */
import { readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
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
  let chat: ChatReceiver;
  const workflowIds = new Map<string, string>();

  /** POSTs JSON to a workflow's webhook; the answer's fields are whatever the workflow sends. */
  const post = async (path: string, body: unknown): Promise<{ status: number; body: Answer }> => {
    const response = await api.callWebhook(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer };
  };

  beforeAll(async () => {
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-e2e-data-');
    service = await startServiceProcess({
      KAGE_DATA_DIR: dataDir,
      KAGE_CLAUDE_BIN: fakeAgent,
      KAGE_CODEX_BIN: fakeAgent,
      KAGE_GEMINI_BIN: fakeAgent,
    });
    chat = await startChatReceiver();
    n8n = await N8nServer.create({
      // The monitor workflow reads its chat URL from n8n's environment, as its note explains.
      env: { KAGE_CHAT_WEBHOOK_URL: chat.url, N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false' },
    });
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
    chat?.server.close();
    await repo?.cleanup();
    if (n8n) rmSync(n8n.userFolder, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('best of three: runs three agents, verifies, merges the winner and answers with it', async () => {
    const { status, body } = await post('kage-best-of-three', {
      description: 'write notes.txt containing "notes by {agent}"',
      repositoryPath: repo.path,
      verifyCommand: ['grep', '-q', 'codex', 'notes.txt'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.winner).toMatch(/codex/);
    expect(body.merge).toMatchObject({ status: 'merged', targetBranch: 'main' });
    expect(await repo.git('show', 'main:notes.txt')).toBe('notes by codex');
    expect(await repo.head('main')).toBe(body.merge?.commit);

    const execution = await api.waitForExecution({ workflowId: workflowIds.get('best-of-three.json') }, (e) => e.status === 'success');
    expect(Object.keys(execution.data?.resultData?.runData ?? {})).toEqual(
      expect.arrayContaining(['Coding Request', 'Submit Task', 'Await Result', 'Merge Winner', 'Answer']),
    );
  });

  it('fire and forget: answers at once with the task id and its progress stream', async () => {
    const { status, body } = await post('kage-fire-and-forget', {
      description: 'write later.txt containing "later by {agent}"',
      repositoryPath: repo.path,
      agent: 'gemini',
    });
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.progressUrl).toBe(`/api/v1/tasks/${body.taskId}/progress`);
    const task = (await (await service.request(`/api/v1/tasks/${body.taskId}`)).json()) as { agents: { agent: string }[] };
    expect(task.agents.map((a) => a.agent)).toEqual(['gemini']);
  });

  it('monitor: posts each finished task to the chat webhook', async () => {
    const { body } = await post('kage-fire-and-forget', {
      description: 'write monitored.txt containing "watched by {agent}"',
      repositoryPath: repo.path,
      agent: 'claude',
    });
    const taskId = String(body.taskId);
    const message = await chat.waitFor((text) => text.includes(taskId));
    expect(message).toMatch(new RegExp(`^Kage Bunshin task ${taskId} completed: winner claude`));
    const execution = await api.waitForExecution({ workflowId: workflowIds.get('monitor-to-chat.json') }, (e) => e.status === 'success');
    expect(execution.mode).toBe('webhook');
  });

  it('conflicts: an attempt that conflicts with the moved target goes to a review branch, the target untouched', async () => {
    const base = await repo.head('main');
    const moved = await repo.commit({ 'README.md': '# moved on while the agent worked\n' }, 'main moves on');
    const { status, body } = await post('kage-merge-or-review', {
      description: 'write README.md containing "rewritten by {agent}"',
      repositoryPath: repo.path,
      baseRef: base,
      targetBranch: 'main',
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body.outcome).toBe('review');
    expect(body.reviewBranch).toMatch(/^kage\//);
    expect(JSON.stringify(body.conflicts)).toContain('README.md');
    expect(await repo.head('main')).toBe(moved);
    expect(await repo.git('show', `${body.reviewBranch}:README.md`)).toContain('rewritten by claude');
  });
});

/** What the example workflows answer, across all of them. */
interface Answer {
  taskId?: string;
  status?: string;
  winner?: string;
  merge?: { status: string; targetBranch: string; commit: string };
  progressUrl?: string;
  outcome?: 'merged' | 'review';
  reviewBranch?: string;
  conflicts?: unknown;
}

interface ChatReceiver {
  server: Server;
  url: string;
  /** Resolves with the first `text` posted that matches. */
  waitFor(matches: (text: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** A stand-in for a chat's incoming webhook (Slack-style `{"text": ...}`), recording each post. */
async function startChatReceiver(): Promise<ChatReceiver> {
  const texts: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      texts.push(String((JSON.parse(body) as { text?: unknown }).text));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('chat receiver has no address');
  return {
    server,
    url: `http://127.0.0.1:${address.port}/chat`,
    async waitFor(matches, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = texts.find(matches);
        if (found !== undefined) return found;
        await new Promise((tick) => setTimeout(tick, 200));
      }
      throw new Error(`no matching chat message within ${timeoutMs} ms; received: ${JSON.stringify(texts)}`);
    },
  };
}
