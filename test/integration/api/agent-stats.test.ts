/**
 * GET /agents/stats and `pick`: figures per agent and model from past attempts (a scoped key's
 * own tasks only), and agents chosen from this repository's history by a seeded Thompson draw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, waitForTaskEnd, type TestService } from '../../support/service-harness.ts';

const good = { agent: 'command', model: 'good', command: ['sh', '-c', 'echo ok > ok.txt'] };
const bad = { agent: 'command', model: 'bad', command: ['sh', '-c', 'echo no > no.txt'] };
const verify = { command: ['test', '-f', 'ok.txt'] };

interface Figures {
  agent: string;
  model: string | null;
  attempts: number;
  verified: number;
  passed: number;
  passRate: number | null;
  passRateInterval: { low: number; high: number } | null;
  wins: number;
  verifiedWins: number;
}

describe.each(driverKinds)('agent stats and pick on %s', (kind) => {
  let service: TestService;
  let repo: TestRepo;
  let fresh: TestRepo;
  let repositoryPath = '';
  const submit = async (json: Record<string, unknown>, key = TEST_API_KEY) => {
    const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'stats', verify, ...json }, headers: { 'x-api-key': key } });
    expect(response.status, JSON.stringify(await response.clone().json())).toBe(202);
    return (await response.json()) as Record<string, any>;
  };
  const stats = async (key = TEST_API_KEY) => {
    const response = await service.request(`/api/v1/agents/stats?repository=${encodeURIComponent(repositoryPath)}`, { headers: { 'x-api-key': key } });
    expect(response.status).toBe(200);
    return (await response.json()) as { scope: string; repositoryFigures: Figures[]; overall: Figures[] };
  };
  const byModel = (figures: Figures[], model: string) => figures.find((entry) => entry.model === model);

  beforeAll(async () => {
    repo = await createTestRepo();
    fresh = await createTestRepo();
    service = await startTestService({ kind });
  });
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
    await fresh?.cleanup();
  });

  it('counts attempts, verified passes with a Wilson interval, and wins per agent and model; a scoped key sees its own', async () => {
    for (let index = 0; index < 4; index++) {
      const task = await submit({ repository: { path: repo.path }, agents: [bad, good] });
      repositoryPath = task.repository.path;
      expect((await waitForTaskEnd(service, task.id)).status).toBe('completed');
    }
    const all = await stats();
    expect(all.scope).toBe('all');
    expect(byModel(all.repositoryFigures, 'good')).toMatchObject({ agent: 'command', attempts: 4, verified: 4, passed: 4, passRate: 1, wins: 4, verifiedWins: 4 });
    expect(byModel(all.repositoryFigures, 'bad')).toMatchObject({ attempts: 4, verified: 4, passed: 0, passRate: 0, wins: 0, verifiedWins: 0 });
    // 4 of 4: Wilson's 95 % interval is [0.51, 1]; 0 of 4: [0, 0.49].
    const goodInterval = byModel(all.repositoryFigures, 'good')!.passRateInterval!;
    expect(goodInterval.low).toBeCloseTo(0.51, 2);
    expect(goodInterval.high).toBe(1);
    const badInterval = byModel(all.repositoryFigures, 'bad')!.passRateInterval!;
    expect(badInterval.low).toBe(0);
    expect(badInterval.high).toBeCloseTo(0.49, 2);

    const made = await service.request('/api/v1/keys', { method: 'POST', json: { name: 'alice', scopes: ['tasks:read', 'tasks:write'] } });
    const alice = ((await made.json()) as { secret: string }).secret;
    expect((await stats(alice)).repositoryFigures).toEqual([]);
    const own = await submit({ repository: { path: repo.path }, agents: [good] }, alice);
    expect((await waitForTaskEnd(service, own.id)).status).toBe('completed');
    const hers = await stats(alice);
    expect(hers.scope).toBe('own');
    expect(hers.repositoryFigures.map((entry) => [entry.model, entry.attempts, entry.passed])).toEqual([['good', 1, 1]]);
    expect(hers.overall.map((entry) => [entry.model, entry.attempts])).toEqual([['good', 1]]);
    expect(byModel((await stats()).repositoryFigures, 'good')!.attempts).toBe(5);
  });

  it('picks the candidate that passes here over the one that fails, over fixed seeds, and says why', async () => {
    const picks: string[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const task = await submit({ repository: { path: repo.path }, pick: { count: 1, candidates: [bad, good], seed } });
      expect(task.selection).toMatchObject({ count: 1, seed, noHistory: false });
      expect(task.agents).toHaveLength(1);
      picks.push(task.selection.candidates.find((entry: { picked: boolean }) => entry.picked).model);
      const [bads, goods] = task.selection.candidates;
      expect(bads.history).toMatchObject({ passed: 0 });
      expect(goods.history.passed).toBeGreaterThanOrEqual(4);
      expect(goods.reason).toMatch(/verified attempts passed here/);
      await waitForTaskEnd(service, task.id);
    }
    expect(picks.filter((model) => model === 'good').length).toBeGreaterThanOrEqual(7);
  });

  it('with no history on the repository says so and takes the candidates in order', async () => {
    const task = await submit({ repository: { path: fresh.path }, pick: { count: 2, candidates: [bad, good, { ...good, model: 'third' }] } });
    expect(task.selection.noHistory).toBe(true);
    expect(task.selection.candidates.map((entry: { picked: boolean }) => entry.picked)).toEqual([true, true, false]);
    expect(task.selection.candidates[0].reason).toMatch(/^no history on this repository/);
    expect(task.agents.map((entry: { model: string }) => entry.model)).toEqual(['bad', 'good']);
    await waitForTaskEnd(service, task.id);
  });

  it('refuses pick beside agents, and a count above the candidates', async () => {
    const both = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'x', repository: { path: repo.path }, agents: [good], pick: { count: 1, candidates: [good] } } });
    expect(both.status).toBe(400);
    const many = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'x', repository: { path: repo.path }, pick: { count: 2, candidates: [good] } } });
    expect(many.status).toBe(400);
  });
});
