import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealClis, startRealClis } from '../../support/real-clis.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../bench/support/webhook-receiver.ts';
import { filesContaining } from '../../support/files-containing.ts';
import { recordedCalls } from '../../support/recorded-calls.ts';
import { FORGE_TOKEN, type Forge, startForge } from '../../support/forge-fixture.ts';
import { makeTempDir, runGitIn } from '../../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { until } from '../../support/until.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');

/**
 * The real `claude` on a remote repository (scripted model server, git http-backend, GitHub
 * stand-in): its edit is pushed and a pull request opened. A hostile agent beside it hunts for
 * the token; afterwards the token is searched in every log line, event, answer, webhook delivery
 * and file.
 */
describe('the real claude on a remote repository, with a hostile agent beside it', () => {
  let clis: RealClis;
  let forge: Forge;
  let dataDir: string;
  let service: ServiceProcess;
  let receiver: WebhookReceiver;
  const { call, answers: answers } = recordedCalls(() => (path, init) => service.request(path, init));

  beforeAll(async () => {
    clis = await startRealClis();
    forge = await startForge();
    receiver = await startWebhookReceiver();
    dataDir = await makeTempDir('kage-real-remote-');
    service = await startServiceProcess({
      ...clis.serviceEnv('claude'),
      KAGE_DATA_DIR: dataDir,
      KAGE_WORKER_CONCURRENCY: '1',
      KAGE_KEEP_WORKTREES: 'true',
      LOG_LEVEL: 'debug',
    });
    await forge.storeCredential((path, init) => service.request(path, init));
  });
  afterAll(async () => {
    await service?.kill('SIGTERM');
    await clis?.close();
    await forge?.stop();
    await receiver?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('pushes claude’s edit, opens the pull request, and the token is nowhere an agent or a reader could find it', async () => {
    const submitted = await call('/tasks', {
      method: 'POST',
      json: {
        description: 'Leave a note',
        repository: { url: forge.url, credential: 'github-bot' },
        callbacks: [{ url: receiver.url }],
        agents: [
          { agent: 'claude', prompt: 'write note-claude.txt containing "hello from claude"', timeoutSeconds: 240 },
          { agent: 'command', command: [process.execPath, join(fakeAgents, 'secret-hunting-agent.mjs')] },
        ],
      },
    });
    expect(submitted.status).toBe(202);
    let task: Record<string, any>;
    const deadline = Date.now() + 300_000;
    for (;;) {
      task = (await call(`/tasks/${submitted.body.id}`)).body;
      if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
      if (Date.now() > deadline) throw new Error(`task still ${task.status}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const claude = task.agents.find((run: { agent: string }) => run.agent === 'claude');
    expect(claude.status, claude.error).toBe('succeeded');
    expect(await runGitIn(forge.bare, ['show', `${claude.branch}:note-claude.txt`])).toBe('hello from claude');

    const opened = await call(`/tasks/${task.id}/pull-request`, { method: 'POST', json: { agent: claude.label } });
    expect(opened.status).toBe(201);
    expect(forge.github.pullRequests.at(-1)).toMatchObject({ head: claude.branch, base: 'main' });

    const events = await call(`/tasks/${task.id}/events?limit=1000`);
    const hunted = events.body.items.filter((event: { agentLabel: string; data: { message?: string } }) => event.agentLabel === 'command-1' && event.data.message);
    // The hunter ran and saw its environment and git's configuration: just not the token.
    expect(hunted.some((event: { data: { message: string } }) => event.data.message.startsWith('env: {'))).toBe(true);
    expect(hunted.some((event: { data: { message: string } }) => event.data.message.startsWith('config file: [core]'))).toBe(true);
    // Every webhook delivery, up to the pull request's announcement.
    await until('pull_request.opened delivered', async () => (receiver.received.some((hook) => hook.body.type === 'pull_request.opened') ? true : undefined));
    const deliveries = JSON.stringify(receiver.received.map((hook) => hook.body));
    const basic = Buffer.from(`x-access-token:${FORGE_TOKEN}`).toString('base64');
    for (const secret of [FORGE_TOKEN, basic]) {
      for (const answer of answers) expect(answer).not.toContain(secret);
      expect(deliveries).not.toContain(secret);
      expect(service.output()).not.toContain(secret);
      // Worktrees (kept), the mirror, the database files: the data folder holds no copy in the clear.
      expect(filesContaining(dataDir, secret)).toEqual([]);
    }
  });
});
