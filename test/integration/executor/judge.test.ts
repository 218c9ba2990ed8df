/**
 * The judge, the real Claude Code through the scripted model server (which orders the
 * candidates against the request's order, answers prose for "malformed verdict" and nothing for
 * "slow judge"): its verdict decides among attempts tied on verify; a failed verdict never fails
 * the task, the ranking does without it and says why. Both databases.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealClis, startRealClis } from '../../support/real-clis.ts';
import { createPostgresDatabase, driverKinds } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';

const writer = (file: string) => ({ agent: 'command', command: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, 'x\\n')`] });
const passes = { command: [process.execPath, '-e', 'process.exit(0)'] };

/** Equal on everything else here, the faster attempt wins when there is no verdict. */
function rankedWithoutJudge(task: Record<string, any>): string {
  return [...(task.agents as Array<{ label: string; durationMs: number }>)].sort((a, b) => a.durationMs - b.durationMs)[0]!.label;
}

describe.each(driverKinds)('the judge on %s', (kind) => {
  let clis: RealClis;
  let repo: TestRepo;
  let dataDir: string;
  let service: ServiceProcess;

  beforeAll(async () => {
    clis = await startRealClis();
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-judge-');
    service = await startServiceProcess({
      ...clis.serviceEnv('claude'),
      KAGE_DATA_DIR: dataDir,
      ...(kind === 'postgres' ? { DATABASE_URL: await createPostgresDatabase() } : {}),
    });
  });
  afterAll(async () => {
    await service?.kill('SIGTERM');
    await clis?.close();
    await repo?.cleanup();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function run(description: string, body: Record<string, unknown>) {
    const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description, repository: { path: repo.path }, ...body } });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    return waitForTaskEnd(service, id, 120_000);
  }

  it('orders the attempts that tie on verify; its cost is in the task and its reasons in the scores', async () => {
    const task = await run('Add a file', { agents: [writer('a.txt'), writer('b.txt')], verify: passes, judge: { agent: 'claude' } });
    expect(task.status).toBe('completed');
    expect(task.judgement).toMatchObject({ agent: 'claude', candidates: ['command-1', 'command-2'], order: ['command-2', 'command-1'], error: null });
    expect(task.winner).toBe('command-2');
    const [first, second] = task.agents;
    expect(second.score.reasons).toContain('judge placed it #1 (confidence 0.90): scripted verdict for command-2');
    expect(first.score.rank).toBe(2);
    expect(task.judgement.costUsd).toBeGreaterThan(0);
    expect(task.totalCostUsd).toBeCloseTo(task.judgement.costUsd, 6);
  });

  it('does without a malformed verdict, and says so', async () => {
    const task = await run('Add a file (malformed verdict)', { agents: [writer('a.txt'), writer('b.txt')], verify: passes, judge: { agent: 'claude' } });
    expect(task.status).toBe('completed');
    expect(task.judgement).toMatchObject({ order: [], error: 'the judge answered no JSON verdict' });
    expect(task.winner).toBe(rankedWithoutJudge(task));
    expect(task.agents[0].score.reasons).toContain('judge gave no verdict (the judge answered no JSON verdict); ranked without it');
  });

  it('does without a judge that runs out of time', async () => {
    const task = await run('Add a file (slow judge)', { agents: [writer('a.txt'), writer('b.txt')], verify: passes, judge: { agent: 'claude', timeoutSeconds: 5 } });
    expect(task.status).toBe('completed');
    expect(task.judgement).toMatchObject({ order: [], error: 'the judge timed out after 5 s' });
    expect(task.winner).toBe(rankedWithoutJudge(task));
  });

  it('is not asked when verify already decides', async () => {
    const onlyA = { command: [process.execPath, '-e', "process.exit(require('fs').existsSync('a.txt') ? 0 : 1)"] };
    const task = await run('Add a file', { agents: [writer('b.txt'), writer('a.txt')], verify: onlyA, judge: { agent: 'claude' } });
    expect(task).toMatchObject({ status: 'completed', winner: 'command-2', judgement: null });
  });
});
