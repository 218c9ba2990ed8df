import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { startTestService, waitForTaskEnd } from '../../support/service-harness.ts';
import { taggedProcesses } from '../../support/tagged-processes.ts';
import { until } from '../../support/until.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');
const agent = (script: string, ...args: string[]) => ({ agent: 'command', command: [process.execPath, join(fakeAgents, script), ...args] });

describe.each(driverKinds)('running tasks on %s', (kind) => {
  const submit = async (body: Record<string, unknown>) => {
    const response = await fixture.service.request('/api/v1/tasks', { method: 'POST', json: { description: 'Write a file', repository: { path: fixture.repo.path }, ...body } });
    expect(response.status).toBe(202);
    return (await response.json()) as { id: string };
  };
  const eventTypes = async (taskId: string) => (await fixture.service.services.events.listAfter(taskId, 0, 10_000)).map((event) => [event.seq, event.type, event.agentLabel]);

  const fixture = serviceWithRepo({ kind, workers: 2, env: { KAGE_AIDER_BIN: '/nonexistent/aider' } });

  it('runs attempts in parallel, commits each on its branch, verifies, and ranks: verify beats a smaller diff', async () => {
    const { id } = await submit({
      agents: [agent('file-writing-agent.mjs', 'small.txt', '1'), agent('file-writing-agent.mjs', 'big.txt', '20'), agent('file-writing-agent.mjs', 'broken.txt', '1', '3')],
      verify: { command: [process.execPath, '-e', "process.exit(require('fs').existsSync('big.txt') ? 0 : 1)"] },
    });
    const task = await waitForTaskEnd(fixture.service, id);
    expect(task.status).toBe('completed');
    expect(task.winner).toBe('command-2');
    expect(task.winnerPassedVerify).toBe(true);
    const byLabel = Object.fromEntries(task.agents.map((run: { label: string }) => [run.label, run]));
    expect(byLabel['command-1'].status).toBe('succeeded');
    expect(byLabel['command-1'].verify.passed).toBe(false);
    expect(byLabel['command-2'].verify.passed).toBe(true);
    expect(byLabel['command-2'].score.rank).toBe(1);
    expect(byLabel['command-2'].score.reasons).toContain('verify passed');
    expect(byLabel['command-3'].status).toBe('failed');
    expect(byLabel['command-3'].exitCode).toBe(3);
    expect(byLabel['command-2'].filesChanged).toEqual(['big.txt']);
    expect(byLabel['command-2'].insertions).toBe(20);

    // Each attempt's work is a commit on its own branch, from the base commit.
    const shortId = id.replaceAll('-', '').slice(0, 12);
    expect(await fixture.repo.git('show', `kage/${shortId}/command-2:big.txt`)).toContain('line 20');
    expect(await fixture.repo.git('rev-parse', `kage/${shortId}/command-2^`)).toBe(task.repository.baseCommit);
    // Worktrees are gone once the task ends; the user's checkout is untouched.
    expect(existsSync(join(fixture.service.dataDir, 'worktrees', shortId, 'command-1'))).toBe(false);
    expect(await fixture.repo.git('status', '--porcelain')).toBe('');

    const events = await eventTypes(id);
    expect(events.map(([seq]) => seq)).toEqual(events.map((_, index) => index + 1)); // gapless
    const types = events.map(([, type]) => type);
    expect(types[0]).toBe('task.queued');
    expect(types[1]).toBe('task.started');
    expect(types.at(-1)).toBe('task.completed');
    expect(types.filter((type) => type === 'agent.started')).toHaveLength(3);
    expect(types.filter((type) => type === 'verify.completed')).toHaveLength(3);
    expect(events).toContainEqual([expect.any(Number), 'agent.progress', 'command-2']);
    expect(events).toContainEqual([expect.any(Number), 'agent.failed', 'command-3']);
  });

  it('fails an attempt whose binary is missing at once, with how to install it, and goes on with the others', async () => {
    const { id } = await submit({ agents: [{ agent: 'aider' }, agent('file-writing-agent.mjs', 'a.txt', '2')] });
    const task = await waitForTaskEnd(fixture.service, id);
    expect(task.status).toBe('completed');
    expect(task.winner).toBe('command-1');
    const aider = task.agents.find((run: { label: string }) => run.label === 'aider-1');
    expect(aider.status).toBe('failed');
    expect(aider.error).toMatch(/not found.*pip install aider/i);
  });

  it('marks a task failed when no attempt succeeds, and times out a hung agent', async () => {
    const { id } = await submit({ agents: [{ ...agent('sleepy-agent.mjs'), timeoutSeconds: 1 }] });
    const task = await waitForTaskEnd(fixture.service, id);
    expect(task.status).toBe('failed');
    expect(task.winner).toBeNull();
    expect(task.agents[0].status).toBe('timed_out');
    expect(task.error).toMatch(/No attempt succeeded/);
  });

  it("keeps what a failing command said on stderr, in the attempt's error and its stderrTail; merging such a task says why not", async () => {
    const loud = { agent: 'command', command: [process.execPath, '-e', "console.error('config.yml: no such file'); process.exit(1)"] };
    const { id } = await submit({ agents: [loud] });
    const task = await waitForTaskEnd(fixture.service, id);
    expect(task.status).toBe('failed');
    expect(task.winnerPassedVerify).toBeNull();
    expect(task.agents[0].error).toBe('command exited with code 1: config.yml: no such file');
    expect(task.agents[0].stderrTail).toContain('config.yml: no such file');

    const merge = await fixture.service.request(`/api/v1/tasks/${id}/merge`, { method: 'POST', json: { agent: 'best', strategy: 'auto' } });
    expect(merge.status).toBe(409);
    const { error } = (await merge.json()) as { error: { code: string; message: string; details: { attempts: unknown[] } } };
    expect(error.code).toBe('no_attempt_succeeded');
    expect(error.message).toMatch(/no attempt succeeded; nothing to merge/);
    expect(error.details.attempts).toEqual([{ label: 'command-1', status: 'failed', error: task.agents[0].error }]);

    // Named by its label, a failed attempt merges only when asked to on purpose.
    const byLabel = await fixture.service.request(`/api/v1/tasks/${id}/merge`, { method: 'POST', json: { agent: 'command-1' } });
    expect(byLabel.status).toBe(409);
    expect((await byLabel.json()).error).toMatchObject({ code: 'attempt_not_succeeded', details: { label: 'command-1', status: 'failed' } });
    const forced = await fixture.service.request(`/api/v1/tasks/${id}/merge`, { method: 'POST', json: { agent: 'command-1', force: true } });
    expect(forced.status).toBe(200);
  });

  it('says a command agent\'s program was not found, instead of "exited with code none"', async () => {
    const { id } = await submit({ agents: [{ agent: 'command', command: ['no-such-program-kage', '{prompt}'] }] });
    const task = await waitForTaskEnd(fixture.service, id);
    expect(task.agents[0].error).toMatch(/^program no-such-program-kage not found/);
  });

  it('stops agents reporting cost when the task budget is spent', async () => {
    const bin = join(fakeAgents, 'spending-opencode.mjs');
    const budgeted = await startTestService({ kind: 'pglite', workers: 1, env: { KAGE_OPENCODE_BIN: bin } });
    try {
      const response = await budgeted.request('/api/v1/tasks', {
        method: 'POST',
        json: { description: 'spend', repository: { path: fixture.repo.path }, agents: [{ agent: 'opencode' }, { agent: 'opencode' }], budgetUsd: 0.5 },
      });
      const task = await waitForTaskEnd(budgeted, (await response.json()).id);
      expect(task.status).toBe('failed');
      for (const run of task.agents) expect(run.error).toMatch(/budget/);
      const spent = task.agents.reduce((sum: number, run: { costUsd: number }) => sum + run.costUsd, 0);
      expect(spent).toBeGreaterThanOrEqual(0.5);
      // Stopped promptly: well short of what they would spend unchecked.
      expect(spent).toBeLessThan(2);
      expect(task.totalCostUsd).toBeCloseTo(spent, 6);
    } finally {
      await budgeted.stop();
    }
  });

  it('cancels a running task: every agent process, grandchildren included, stops and the task ends cancelled', async () => {
    // Each agent writes its grandchild's pid into its own worktree; the host's view of them is their tag.
    const { id } = await submit({ agents: [agent('stubborn-tree-agent.mjs', 'grandchild.pid'), agent('stubborn-tree-agent.mjs', 'grandchild.pid')] });
    await until('both agents and their grandchildren to run', async () => {
      const events = await (await fixture.service.request(`/api/v1/tasks/${id}/events?limit=100`)).json();
      const ready = events.items.filter((event: { data: { message?: string } }) => event.data.message === 'grandchild ready');
      return ready.length === 2 ? true : undefined;
    });
    const processes = taggedProcesses(id);
    expect(processes.length).toBeGreaterThanOrEqual(4);
    const response = await fixture.service.request(`/api/v1/tasks/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    const cancelledAt = Date.now();
    const task = await waitForTaskEnd(fixture.service, id, 15_000);
    expect(task.status).toBe('cancelled');
    expect(task.agents.every((run: { status: string }) => run.status === 'cancelled')).toBe(true);
    // The bound: every process, grandchildren included, gone within 10 s of the request.
    while (processes.some(isAlive) && Date.now() - cancelledAt < 10_000) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processes.filter(isAlive), 'processes still alive 10 s after the cancel').toEqual([]);
    expect(taggedProcesses(id)).toEqual([]);
    expect((await eventTypes(id)).at(-1)?.[1]).toBe('task.cancelled');
  });
});

/** Running, not a zombie waiting for a parent that never reaps it (PID 1 here does not). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
