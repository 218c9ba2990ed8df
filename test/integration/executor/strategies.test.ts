/**
 * Strategies through the service's own process (on PostgreSQL and PGlite, bubblewrap sandbox): a race
 * stops its other attempts as soon as one passes verify; a cascade runs its tiers one after
 * another, each told the failure of the tier before, within one budget over all tiers.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';
import { startServiceOn } from '../../support/service-process.ts';
import { Receiver, waitFor } from '../webhooks/webhook-fixtures.ts';
import { taggedProcesses } from '../../support/tagged-processes.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');
const node = (script: string) => ({ agent: 'command', command: [process.execPath, '-e', script] });
const answer = (value: string, afterMs = 0) => node(`setTimeout(() => require('fs').writeFileSync('answer.txt', '${value}\\n'), ${afterMs})`);
const promptReader = (fallback: string) => ({ agent: 'command', command: [process.execPath, join(fakeAgents, 'prompt-reading-agent.mjs'), '{prompt}', fallback] });
// Spends 0.10 USD every 200 ms until stopped (OpenCode's output format).
const spender = (timeoutSeconds?: number) => ({ agent: 'opencode', ...(timeoutSeconds ? { timeoutSeconds } : {}) });
const verify = {
  command: [process.execPath, '-e', "const got = require('fs').existsSync('answer.txt') ? require('fs').readFileSync('answer.txt', 'utf8').trim() : 'nothing'; if (got !== '42') { console.log(`expected 42, got ${got}`); process.exit(1) }"],
};

interface Event {
  seq: number;
  type: string;
  agentLabel: string | null;
  timestamp: string;
  data: Record<string, any>;
}

describe.each(driverKinds)('strategies on %s, sandboxed', (kind) => {
  let service: Awaited<ReturnType<typeof startServiceOn>>;
  let repo: TestRepo;
  const submit = async (body: Record<string, unknown>) => {
    const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'Make answer.txt say 42', repository: { path: repo.path }, verify, ...body } });
    expect(response.status, await response.clone().text()).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const events = async (id: string): Promise<Event[]> => ((await (await service.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: Event[] }).items;

  beforeAll(async () => {
    repo = await createTestRepo();
    service = await startServiceOn(kind, { KAGE_SANDBOX: 'bwrap', KAGE_WORKER_CONCURRENCY: '2', KAGE_OPENCODE_BIN: join(fakeAgents, 'spending-opencode.mjs') });
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
  });

  it('refuses a race or a cascade without verify (no gate to stop at), and tiers that do not fit the strategy', async () => {
    const refused = async (body: Record<string, unknown>) => {
      const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'x', repository: { path: repo.path }, ...body } });
      expect(response.status).toBe(400);
      return JSON.stringify(await response.json());
    };
    expect(await refused({ strategy: 'race', agents: [answer('42')] })).toMatch(/strategy race needs verify.*no gate to stop at/);
    expect(await refused({ strategy: 'cascade', tiers: [[answer('42')]] })).toMatch(/strategy cascade needs verify/);
    expect(await refused({ strategy: 'cascade', verify, agents: [answer('42')] })).toMatch(/takes tiers/);
    expect(await refused({ verify, agents: [answer('42')], tiers: [[answer('42')]] })).toMatch(/tiers go with strategy cascade/);
    expect(await refused({ strategy: 'race', verify, agents: [answer('42')], judge: { agent: 'claude' } })).toMatch(/nothing for a judge to order/);
  });

  it('race: the first attempt to pass verify wins; the others are stopped within a second, their cost frozen', async () => {
    const id = await submit({ strategy: 'race', agents: [answer('42', 1500), spender(30), spender(30)] });
    // Follow the events as they come: the moment the race is won, the losers' processes must go.
    let cancelledAt: number | undefined;
    let sawLosersRun = false;
    let goneAt: number | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && goneAt === undefined; ) {
      const processes = taggedProcesses(id);
      if (cancelledAt === undefined) {
        const cancelled = (await events(id)).find((event) => event.type === 'attempt.cancelled');
        if (cancelled) cancelledAt = Date.parse(cancelled.timestamp);
        else if (processes.length >= 2) sawLosersRun = true;
      } else if (processes.length === 0) goneAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(sawLosersRun, 'the slow attempts ran before the race was won').toBe(true);
    expect(cancelledAt).toBeDefined();
    expect(goneAt! - cancelledAt!, 'every process of the task gone within a second of the race being won').toBeLessThan(1000);

    const task = await waitForTaskEnd(service, id);
    expect(task).toMatchObject({ status: 'completed', strategy: 'race', winner: 'command-1', winnerPassedVerify: true });
    const [winner, ...losers] = task.agents;
    expect(winner).toMatchObject({ status: 'succeeded', verify: { passed: true } });
    for (const loser of losers) {
      expect(loser).toMatchObject({ status: 'cancelled', stopReason: 'race_won' });
      expect(loser.error).toMatch(/won the task's race/);
      // Stopped mid-spend: it had spent something, and far less than a minute's run would.
      expect(loser.costUsd).toBeGreaterThan(0);
      expect(loser.costUsd).toBeLessThan(5);
    }
    const race = task.strategyResult.race;
    expect(race.winner).toBe('command-1');
    expect(race.verifiedAfterMs).toBeGreaterThanOrEqual(1500);
    expect(race.cancelled).toEqual(losers.map((loser: { label: string; costUsd: number }) => ({ label: loser.label, costUsd: loser.costUsd })));
    expect(race.cancelledCostUsd).toBeCloseTo(losers[0].costUsd + losers[1].costUsd, 6);
    expect(task.totalCostUsd).toBeCloseTo(race.cancelledCostUsd, 6);
    const cancelledEvents = (await events(id)).filter((event) => event.type === 'attempt.cancelled');
    expect(cancelledEvents.map((event) => [event.agentLabel, event.data.reason, event.data.winner])).toEqual([
      ['opencode-1', 'race_won', 'command-1'],
      ['opencode-2', 'race_won', 'command-1'],
    ]);
    // Frozen: a second later nothing has spent more.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const later = (await (await service.request(`/api/v1/tasks/${id}`)).json()) as { agents: Array<{ costUsd: number }>; totalCostUsd: number };
    expect(later.agents.map((run) => run.costUsd)).toEqual(task.agents.map((run: { costUsd: number }) => run.costUsd));
    expect(later.totalCostUsd).toBe(task.totalCostUsd);
  });

  it("cascade: tier 2 starts only when tier 1 fails, is told tier 1's verify output and diff, and fixes it; tier 3 is not needed", async () => {
    const receiver = await Receiver.start();
    const id = await submit({
      strategy: 'cascade',
      tiers: [[promptReader('41')], [promptReader('7')], [answer('42')]],
      callbacks: [{ url: receiver.url(), events: ['tier.started', 'tier.failed', 'task.completed'] }],
    });
    const task = await waitForTaskEnd(service, id);
    expect(task).toMatchObject({ status: 'completed', strategy: 'cascade', winner: 'command-2', winnerPassedVerify: true });
    const [first, second, third] = task.agents;
    expect(first).toMatchObject({ status: 'succeeded', verify: { passed: false } });
    expect(second).toMatchObject({ status: 'succeeded', verify: { passed: true } });
    // The third tier never ran.
    expect(third).toMatchObject({ status: 'cancelled', startedAt: null });
    expect(third.error).toMatch(/tier 2 had an attempt that passed verify/);
    // What tier 2's agent was told: the task, tier 1's verify output and its diff.
    const told = await repo.git('show', `${second.branch}:PROMPT.txt`);
    expect(told).toMatch(/^Make answer\.txt say 42/);
    expect(told).toContain('expected 42, got 41');
    expect(told).toContain('+41');
    expect(told).toContain('command-1');
    // Its worktree started from the base commit, not from tier 1's work.
    expect(await repo.git('rev-parse', `${second.branch}^`)).toBe(task.repository.baseCommit);
    expect(task.strategyResult.cascade).toEqual({
      tier: 2,
      passedTier: 2,
      tiers: [
        { tier: 1, agents: ['command-1'], outcome: 'failed' },
        { tier: 2, agents: ['command-2'], outcome: 'passed' },
        { tier: 3, agents: ['command-3'], outcome: 'not_needed' },
      ],
    });
    const steps = (await events(id)).filter((event) => event.type.startsWith('tier.') || event.type === 'agent.started' || event.type === 'task.completed');
    expect(steps.map((event) => [event.type, event.data.tier ?? event.agentLabel])).toEqual([
      ['tier.started', 1],
      ['agent.started', 'command-1'],
      ['tier.failed', 1],
      ['tier.started', 2],
      ['agent.started', 'command-2'],
      ['task.completed', null],
    ]);
    expect(steps.find((event) => event.type === 'tier.failed')?.data).toMatchObject({ tier: 1, attempts: ['command-1'], best: 'command-1', next: 2 });
    // The same steps in the progress stream (SSE) and as webhooks.
    const sse = await (await service.request(`/api/v1/tasks/${id}/progress`)).text();
    expect(sse.match(/^event: tier\.\w+$/gm)).toEqual(['event: tier.started', 'event: tier.failed', 'event: tier.started']);
    await waitFor('the webhooks', () => receiver.received.length >= 4);
    expect(receiver.received.map((request) => [request.json.type, request.json.data.tier ?? null])).toEqual([
      ['tier.started', 1],
      ['tier.failed', 1],
      ['tier.started', 2],
      ['task.completed', null],
    ]);
    await receiver.close();
    expect(steps.find((event) => event.type === 'tier.started' && event.data.tier === 2)?.data).toMatchObject({ agents: ['command-2'], after: 'command-1' });
  });

  it('cascade: the budget counts every tier; a tier that cannot start within it is skipped and says so', async () => {
    // Tier 1 spends about 0.5 in its one second and fails; tier 2 starts and is stopped at the
    // 0.8 budget; tier 3 (which would pass) is skipped.
    const id = await submit({ strategy: 'cascade', budgetUsd: 0.8, tiers: [[spender(1)], [spender()], [answer('42')]] });
    const task = await waitForTaskEnd(service, id);
    expect(task.status).toBe('failed');
    const [first, second, third] = task.agents;
    expect(first.costUsd).toBeGreaterThan(0);
    expect(first.costUsd).toBeLessThan(0.8);
    expect(second).toMatchObject({ stopReason: 'budget' });
    expect(first.costUsd + second.costUsd).toBeGreaterThanOrEqual(0.8);
    // Stopped promptly at the budget over both tiers, not at a budget of its own.
    expect(first.costUsd + second.costUsd).toBeLessThan(1.3);
    expect(third).toMatchObject({ status: 'cancelled', stopReason: 'budget', startedAt: null });
    expect(third.error).toMatch(/budget \(0\.8 USD over all tiers\) was spent before tier 3 could start/);
    const skipped = (await events(id)).find((event) => event.type === 'tier.skipped');
    expect(skipped?.data).toMatchObject({ tier: 3, agents: ['command-1'], reason: 'budget', budgetUsd: 0.8 });
    expect(task.strategyResult.cascade.tiers.map((tier: { outcome: string }) => tier.outcome)).toEqual(['failed', 'failed', 'skipped']);
  });

  it('cascade: a cancel while tier 1 runs ends the task; the tiers not started end with it, never run', async () => {
    const id = await submit({ strategy: 'cascade', tiers: [[{ agent: 'command', command: [process.execPath, join(fakeAgents, 'sleepy-agent.mjs')] }], [answer('42')]] });
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      if ((await events(id)).some((event) => event.type === 'agent.progress' && event.data.message === 'started')) break;
    }
    expect((await service.request(`/api/v1/tasks/${id}`, { method: 'DELETE' })).status).toBe(202);
    const task = await waitForTaskEnd(service, id, 30_000);
    expect(task.status).toBe('cancelled');
    expect(task.agents.map((run: { status: string; startedAt: string | null }) => [run.status, run.startedAt === null])).toEqual([
      ['cancelled', false],
      ['cancelled', true],
    ]);
    expect((await events(id)).some((event) => event.type === 'tier.started' && event.data.tier === 2)).toBe(false);
  });
});
