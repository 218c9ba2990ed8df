/**
 * Verify-and-fix rounds through the service: an attempt whose verify fails goes another round
 * with the failure in its prompt (a `command` agent reads it from `{prompt}`), commits again,
 * verifies again; the ranking uses the last round and says which it was.
 */
import { describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

// Writes "right" once its prompt reports a failing verify, "wrong" before.
const learner = {
  agent: 'command',
  command: [process.execPath, '-e', "require('fs').writeFileSync('answer.txt', process.argv[1].includes('verify command') ? 'right\\n' : 'wrong\\n')", '{prompt}'],
};
const verify = {
  command: [process.execPath, '-e', "const got = require('fs').readFileSync('answer.txt', 'utf8').trim(); if (got !== 'right') { console.log('answer.txt says ' + got + ', not right'); process.exit(1); }"],
};

describe.each(driverKinds)('verify-and-fix rounds on %s', (kind) => {
  const fixture = serviceWithRepo({ kind, workers: 1 });

  async function run(body: Record<string, unknown>) {
    const response = await fixture.service.request('/api/v1/tasks', { method: 'POST', json: { description: 'answer right', repository: { path: fixture.repo.path }, ...body } });
    expect(response.status).toBe(202);
    const task = await waitForTaskEnd(fixture.service, (await response.json()).id);
    const events = (await (await fixture.service.request(`/api/v1/tasks/${task.id}/events?limit=200`)).json()).items as Array<{ type: string; data: Record<string, unknown> }>;
    return { task, events };
  }

  it('gives a failing attempt the failure and another round, which passes; the ranking says so', async () => {
    const { task, events } = await run({ agents: [learner], verify: { ...verify, maxRounds: 3 } });
    expect(task.status).toBe('completed');
    const attempt = task.agents[0];
    expect(attempt).toMatchObject({ status: 'succeeded', verify: { passed: true, round: 2 }, filesChanged: ['answer.txt'] });
    expect(await fixture.repo.git('show', `${attempt.branch}:answer.txt`)).toBe('right');
    expect(await fixture.repo.git('log', '--format=%s', `${attempt.branch}`, '-2')).toMatch(/\(round 2\)/);
    expect(events.filter((event) => event.type === 'attempt.round')).toEqual([expect.objectContaining({ data: expect.objectContaining({ round: 1, passed: false, next: 2 }) })]);
    expect(events.filter((event) => event.type === 'verify.completed').map((event) => [event.data.round, event.data.passed])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(attempt.score.reasons).toContain('verify passed in round 2');
    expect(task.winner).toBe(attempt.label);
  });

  it('stops after one run by default, as before', async () => {
    const { task, events } = await run({ agents: [learner], verify });
    expect(task.agents[0]).toMatchObject({ status: 'succeeded', verify: { passed: false, round: 1 } });
    expect(events.some((event) => event.type === 'attempt.round')).toBe(false);
  });

  it('stops at maxRounds when every round fails; a pass in a later round still wins over none', async () => {
    const stubborn = { agent: 'command', command: [process.execPath, '-e', "require('fs').writeFileSync('answer.txt', 'wrong\\n')", '{prompt}'] };
    const { task, events } = await run({ agents: [stubborn, learner], verify: { ...verify, maxRounds: 2 } });
    const [never, learned] = task.agents;
    expect(never).toMatchObject({ status: 'succeeded', verify: { passed: false, round: 2 } });
    expect(learned).toMatchObject({ verify: { passed: true, round: 2 } });
    expect(events.filter((event) => event.type === 'attempt.round')).toHaveLength(2);
    expect(task.winner).toBe(learned.label);
  });

  it('counts, in the task statistics, how often the ranking picked a passing attempt when there was one', async () => {
    const stats = await (await fixture.service.request('/api/v1/tasks/stats')).json();
    // The three tasks above: two had a passing attempt, and both winners passed.
    expect(stats.selection).toEqual({ verifiedTasks: 3, tasksWithAPassingAttempt: 2, tasksWhoseWinnerPassed: 2, pickedRight: 1 });
  });
});
