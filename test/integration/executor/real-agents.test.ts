import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealClis, startRealClis } from '../../support/real-clis.ts';
import { createPostgresDatabase, driverKinds } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';

/**
 * The real claude, codex, gemini, opencode and qwen binaries from npm, run by the service against the
 * scripted model server: each task ends with that agent's own edit committed on its branch. No
 * key; no network but the npm registry, from which OpenCode fetches its OpenAI-compatible provider.
 */

describe.each(driverKinds)('real agent CLIs through the service on %s', (kind) => {
  let clis: RealClis;
  let repo: TestRepo;
  let dataDir: string;
  let service: ServiceProcess;

  beforeAll(async () => {
    clis = await startRealClis();
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-real-');
    service = await startServiceProcess({
      ...clis.serviceEnv('claude', 'codex', 'gemini', 'opencode', 'qwen'),
      KAGE_DATA_DIR: dataDir,
      KAGE_WORKER_CONCURRENCY: '1',
      // The acp agent below is Gemini CLI in ACP mode: it sees Gemini's settings.
      KAGE_ACP_HOME_BINDS: '.gemini/settings.json:ro',
      ...(kind === 'postgres' ? { DATABASE_URL: await createPostgresDatabase() } : {}),
    });
  });
  afterAll(async () => {
    await service?.kill('SIGTERM');
    await clis?.close();
    await repo?.cleanup();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('claude, codex, gemini, opencode, qwen and gemini over ACP each commit their real edit on their branch, with their cost', async () => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'Leave a note from each agent',
        repository: { path: repo.path },
        agents: [
          { agent: 'claude', prompt: 'write note-claude.txt containing "hello from claude"', timeoutSeconds: 240 },
          { agent: 'codex', prompt: 'write note-codex.txt containing "hello from codex"', timeoutSeconds: 240, args: clis.sandbox.extraArgs('codex') },
          { agent: 'gemini', prompt: 'write note-gemini.txt containing "hello from gemini"', timeoutSeconds: 240 },
          { agent: 'opencode', model: 'mock/scripted', prompt: 'write note-opencode.txt containing "hello from opencode"', timeoutSeconds: 240 },
          { agent: 'qwen', prompt: 'write note-qwen.txt containing "hello from qwen"', timeoutSeconds: 240 },
          { agent: 'acp', command: [clis.bin('gemini'), '--acp'], prompt: 'write note-acp.txt containing "hello from acp"', timeoutSeconds: 240 },
        ],
        verify: { command: ['git', 'status', '--porcelain'] },
      },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const task = await waitForTaskEnd(service, id, 400_000);
    const runs = Object.fromEntries(task.agents.map((run: { agent: string }) => [run.agent, run]));
    expect(task.status, JSON.stringify(task.agents, null, 1)).toBe('completed');
    for (const agent of ['claude', 'codex', 'gemini', 'opencode', 'qwen', 'acp']) {
      const run = runs[agent];
      expect(run.status, `${agent}: ${run.error}`).toBe('succeeded');
      expect(run.filesChanged).toEqual([`note-${agent}.txt`]);
      expect(await repo.git('show', `${run.branch}:note-${agent}.txt`)).toBe(`hello from ${agent}`);
      expect(run.sessionId).toBeTruthy();
      // Gemini CLI reports no tokens over ACP.
      if (agent !== 'acp') expect(run.inputTokens).toBeGreaterThan(0);
    }
    expect(runs.claude.costUsd).toBeGreaterThan(0);
    expect(runs.opencode.costUsd).toBeCloseTo(0.0096, 6);
    // Qwen Code reports tokens only: two turns priced as qwen3-coder-plus ($1 and $5 a million).
    expect(runs.qwen.costUsd).toBeCloseTo(0.0032, 6);
    expect(task.totalCostUsd).toBeGreaterThan(0);
    const events = (await service.request(`/api/v1/tasks/${id}/events?limit=1000`).then((r) => r.json())) as { items: Array<{ type: string; agentLabel: string }> };
    for (const label of ['claude-1', 'codex-1', 'gemini-1', 'opencode-1', 'qwen-1', 'acp-1']) {
      expect(events.items.some((event) => event.type === 'agent.progress' && event.agentLabel === label), label).toBe(true);
    }
    // Each permission the ACP agent asked for is in the task's events, with the decision.
    expect(JSON.stringify(events.items.filter((event) => event.agentLabel === 'acp-1'))).toContain('allowed Writing to note-acp.txt: edit inside the worktree');
  });

  it('each fixes its attempt in a second round when verify reports what is wrong (its session resumed, see real-cli.test.ts)', async () => {
    const check = "const got = require('fs').readFileSync('answer.txt', 'utf8').trim(); if (got !== 'right') { console.log('answer.txt says ' + got + '; to fix it: write answer.txt containing \"right\"'); process.exit(1); }";
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'Answer right',
        repository: { path: repo.path },
        agents: [
          { agent: 'claude', prompt: 'write answer.txt containing "wrong"', timeoutSeconds: 240 },
          { agent: 'codex', prompt: 'write answer.txt containing "wrong"', timeoutSeconds: 240, args: clis.sandbox.extraArgs('codex') },
          { agent: 'gemini', prompt: 'write answer.txt containing "wrong"', timeoutSeconds: 240 },
        ],
        verify: { command: [process.execPath, '-e', check], maxRounds: 2 },
      },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const task = await waitForTaskEnd(service, id, 400_000);
    for (const run of task.agents) {
      expect(run, `${run.agent}: ${run.error}`).toMatchObject({ status: 'succeeded', verify: { passed: true, round: 2 } });
      expect(await repo.git('show', `${run.branch}:answer.txt`)).toBe('right');
    }
  });

  it('claude and codex continue their finished attempt on a follow-up, in their resumed session', async () => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'Follow up',
        repository: { path: repo.path },
        agents: [
          { agent: 'claude', prompt: 'write follow.txt containing "first"', timeoutSeconds: 240 },
          { agent: 'codex', prompt: 'write follow.txt containing "first"', timeoutSeconds: 240, args: clis.sandbox.extraArgs('codex') },
        ],
      },
    });
    const { id } = (await response.json()) as { id: string };
    expect((await waitForTaskEnd(service, id, 400_000)).status).toBe('completed');
    for (const label of ['claude-1', 'codex-1']) {
      const before = clis.models.requests.length;
      const followUp = await service.request(`/api/v1/tasks/${id}/attempts/${label}/follow-up`, { method: 'POST', json: { prompt: 'write follow-up.txt containing "second"' } });
      expect(followUp.status).toBe(202);
      const task = await waitForTaskEnd(service, id, 400_000);
      const run = task.agents.find((candidate: { label: string }) => candidate.label === label);
      expect(run, `${label}: ${run.error}`).toMatchObject({ status: 'succeeded' });
      // On top of the attempt's first change (Claude Code's Write refuses to overwrite a file it has not read: a new one).
      expect(await repo.git('show', `${run.branch}:follow.txt`)).toBe('first');
      expect(await repo.git('show', `${run.branch}:follow-up.txt`)).toBe('second');
      // The resumed session carries the first round's conversation, and the follow-up came as its next prompt.
      const resumed = clis.models.requests.slice(before).map((request) => String(JSON.stringify(request.body)));
      expect(resumed.some((body) => body.includes('follow.txt containing \\"first\\"') && body.includes('follow-up.txt containing \\"second\\"'))).toBe(true);
      expect(resumed.some((body) => body.includes('Follow-up:'))).toBe(false);
    }
  });
});
