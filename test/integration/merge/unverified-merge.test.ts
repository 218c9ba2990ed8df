/**
 * Nothing untested is merged or proposed unless asked: when a task has a verify command, merge
 * and pull-request refuse an attempt that did not pass it (409 not_verified) unless the body
 * says allowUnverified, and the task and its task.completed event say plainly when the winner
 * is untested.
 */
import { describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

type Json = any;

/** A `command` agent that writes one file with node (argv, no shell). */
const writer = (file: string) => ({ agent: 'command', command: ['node', '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, 'x\\n')`] });
/** Passes only in a worktree holding fixed.txt. */
const verify = { command: ['node', '-e', "process.exit(require('fs').existsSync('fixed.txt') ? 0 : 3)"] };

describe.each(driverKinds)('merging unverified work on %s', (kind) => {

  const call = async (path: string, json?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fixture.service.request(`/api/v1${path}`, json === undefined ? {} : { method: 'POST', json });
    return { status: response.status, body: await response.json() };
  };
  const finishedTask = async (agents: unknown[]): Promise<Json> => {
    const submitted = await call('/tasks', { description: 'Fix the bug', repository: { path: fixture.repo.path, baseRef: 'main' }, agents, verify });
    expect(submitted.status).toBe(202);
    return await waitForTaskEnd(fixture.service, submitted.body.id);
  };
  const completedEvent = async (taskId: string): Promise<Json> => {
    const { body } = await call(`/tasks/${taskId}/events?limit=1000`);
    return body.items.find((event: Json) => event.type === 'task.completed');
  };

  const fixture = serviceWithRepo({ kind, workers: 1 }, { 'calc.txt': 'buggy\n' });

  it('a task where no attempt passed verify says so, and its winner is merged only with allowUnverified', async () => {
    const task = await finishedTask([writer('comment.txt'), writer('other.txt')]);
    expect(task).toMatchObject({ status: 'completed', winnerPassedVerify: false });
    const event = await completedEvent(task.id);
    expect(event.data).toMatchObject({ winner: task.winner, winnerPassedVerify: false, verifiedAttempts: [] });
    expect(event.data.warning).toMatch(/^No attempt passed verify .*: the winner command-\d is untested/);
    const mainBefore = await fixture.repo.git('rev-parse', 'main');

    for (const body of [{}, { strategy: 'auto' }, { strategy: 'theirs' }, { strategy: 'manual' }, { allowUnverified: false }]) {
      const refused = await call(`/tasks/${task.id}/merge`, body);
      expect(refused.status, JSON.stringify(body)).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'not_verified',
        details: { label: task.winner, verify: { passed: false, exitCode: 3, timedOut: false }, passedBy: [], field: 'allowUnverified' },
      });
      expect(refused.body.error.message).toContain(`Attempt ${task.winner} of task ${task.id} did not pass verify`);
      expect(refused.body.error.message).toContain('exited 3');
    }
    // Refused before anything else: a local task cannot have a pull request, but it is not asked that first.
    const pull = await call(`/tasks/${task.id}/pull-request`, {});
    expect(pull.status).toBe(409);
    expect(pull.body.error.code).toBe('not_verified');
    expect((await call(`/tasks/${task.id}/pull-request`, { allowUnverified: true })).body.error.code).toBe('not_a_remote_repository');
    expect(await fixture.repo.git('rev-parse', 'main')).toBe(mainBefore);
    expect((await call(`/tasks/${task.id}/merges`)).body.items).toEqual([]);

    const merged = await call(`/tasks/${task.id}/merge`, { allowUnverified: true });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body).toMatchObject({ status: 'merged', agent: task.winner });
  });

  it('a verified winner merges without asking; a failed attempt beside it is refused, naming the one that passed', async () => {
    const task = await finishedTask([writer('other.txt'), writer('fixed.txt')]);
    expect(task).toMatchObject({ status: 'completed', winner: 'command-2', winnerPassedVerify: true });
    expect((await completedEvent(task.id)).data).toMatchObject({ winnerPassedVerify: true, verifiedAttempts: ['command-2'], warning: null });

    const refused = await call(`/tasks/${task.id}/merge`, { agent: 'command-1', strategy: 'manual' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'not_verified', details: { label: 'command-1', passedBy: ['command-2'] } });
    expect(refused.body.error.message).toContain('attempts that passed: command-2');

    const merged = await call(`/tasks/${task.id}/merge`, {});
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body).toMatchObject({ status: 'merged', agent: 'command-2' });
  });

  it('a task without verify merges as before, and its event says nothing of verify', async () => {
    const submitted = await call('/tasks', { description: 'No tests here', repository: { path: fixture.repo.path, baseRef: 'main' }, agents: [writer('plain.txt')] });
    const task = await waitForTaskEnd(fixture.service, submitted.body.id);
    expect(task).toMatchObject({ status: 'completed', winnerPassedVerify: null });
    expect((await completedEvent(task.id)).data).toMatchObject({ winnerPassedVerify: null, warning: null });
    expect((await call(`/tasks/${task.id}/merge`, {})).status).toBe(200);
  });
});
