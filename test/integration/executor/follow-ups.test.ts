/**
 * Follow-up prompts: a finished attempt continues (its worktree made again from its branch), the
 * task runs again for it and ends again, ranked anew. Refused, saying why, while the task runs,
 * once it was merged, and once its branches were discarded.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';
import { makeGateDir } from '../../support/service-process.ts';
import { until } from '../../support/until.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';
import { taskShortId } from '../../../service/src/git/attempt-branch.ts';

// Appends its prompt's last line to notes.txt: the follow-up's prompt carries the task and the follow-up.
const noter = {
  agent: 'command',
  command: [process.execPath, '-e', "const fs = require('fs'); fs.appendFileSync('notes.txt', process.argv[1].trim().split('\\n').at(-1) + '\\n')", '{prompt}'],
};

describe.each(driverKinds)('follow-up prompts on %s', (kind) => {
  const fixture = serviceWithRepo({ kind, workers: 1 });

  const submit = async (body: Record<string, unknown>) => {
    const response = await fixture.service.request('/api/v1/tasks', { method: 'POST', json: { description: 'take notes', repository: { path: fixture.repo.path }, ...body } });
    expect(response.status).toBe(202);
    return (await response.json()).id as string;
  };
  const followUp = (id: string, label: string, prompt: unknown) => fixture.service.request(`/api/v1/tasks/${id}/attempts/${label}/follow-up`, { method: 'POST', json: { prompt } });

  it('continues a finished attempt on its branch; the task runs again and ends again, ranked anew', async () => {
    const id = await submit({ agents: [noter, noter] });
    const first = await waitForTaskEnd(fixture.service, id);
    expect(first.status).toBe('completed');
    const [attempt] = first.agents;
    const firstHead = attempt.headCommit;

    const firstEvents = (await (await fixture.service.request(`/api/v1/tasks/${id}/events?limit=200`)).json()).items as Array<{ seq: number }>;
    const firstEnd = firstEvents.at(-1)!.seq;
    const response = await followUp(id, attempt.label, 'also note the date');
    expect(response.status).toBe(202);
    expect((await response.json()).status).toBe('running');
    // A progress stream opened after the first end follows the new run to its end (it used to close at once).
    const followed = await (await fixture.service.request(`/api/v1/tasks/${id}/progress?after=${firstEnd}`)).text();
    expect(followed).toContain('event: attempt.follow_up');
    expect(followed.match(/event: task\.completed/g)).toHaveLength(1);
    const second = await waitForTaskEnd(fixture.service, id);
    expect(second.status).toBe('completed');
    const continued = second.agents.find((run: { label: string }) => run.label === attempt.label);
    expect(continued.status).toBe('succeeded');
    expect(continued.headCommit).not.toBe(firstHead);
    expect(await fixture.repo.git('rev-parse', `${continued.headCommit}^`)).toBe(firstHead);
    expect(await fixture.repo.git('show', `${continued.branch}:notes.txt`)).toBe('take notes\nYour earlier change to this task is in the worktree. Follow-up: also note the date');
    expect(second.agents.every((run: { score: unknown }) => run.score !== null)).toBe(true);

    const events = (await (await fixture.service.request(`/api/v1/tasks/${id}/events?limit=200`)).json()).items as Array<{ type: string; agentLabel: string | null }>;
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type === 'task.completed')).toHaveLength(2);
    const followUpAt = types.indexOf('attempt.follow_up');
    expect(followUpAt).toBeGreaterThan(types.indexOf('task.completed'));
    expect(events.slice(followUpAt).filter((event) => event.type === 'agent.started').map((event) => event.agentLabel)).toEqual([attempt.label]);
    // Replayed from the start, the stream passes the first run's end and stops at the task's.
    const replayed = await (await fixture.service.request(`/api/v1/tasks/${id}/progress`)).text();
    expect(replayed.match(/event: task\.completed/g)).toHaveLength(2);
    expect(replayed.trimEnd().split('\n\n').at(-1)).toMatch(/event: task\.completed/);
  });

  it('refuses a follow-up while the task runs, for an unknown attempt, and with no prompt', async () => {
    const gates = await makeGateDir();
    const gate = join(gates, 'go');
    const gated = { agent: 'command', command: [process.execPath, '-e', "const t = setInterval(() => { if (require('fs').existsSync(process.argv[1])) { clearInterval(t); } }, 50)", gate] };
    const id = await submit({ agents: [gated] });
    await until('the agent to run', async () => ((await (await fixture.service.request(`/api/v1/tasks/${id}`)).json()).agents[0].status === 'running' ? true : undefined));
    const running = await followUp(id, 'command-1', 'more');
    expect(running.status).toBe(409);
    expect((await running.json()).error.code).toBe('task_not_finished');
    await writeFile(gate, '');
    await waitForTaskEnd(fixture.service, id);
    expect((await followUp(id, 'claude-9', 'more')).status).toBe(404);
    const empty = await followUp(id, 'command-1', '  ');
    expect(empty.status).toBe(400);
    expect((await followUp(id, 'not*a*label', 'more')).status).toBe(400);
  });

  it('refuses a follow-up once the task was merged, and once its attempts were discarded', async () => {
    const merged = await submit({ agents: [noter] });
    await waitForTaskEnd(fixture.service, merged);
    await fixture.repo.git('checkout', '-q', '--detach');
    const merge = await fixture.service.request(`/api/v1/tasks/${merged}/merge`, { method: 'POST', json: { agent: 'best', strategy: 'auto', targetBranch: 'main' } });
    expect(merge.status).toBe(200);
    const afterMerge = await followUp(merged, 'command-1', 'more');
    expect(afterMerge.status).toBe(409);
    expect((await afterMerge.json()).error.code).toBe('task_merged');

    const discarded = await submit({ agents: [noter] });
    await waitForTaskEnd(fixture.service, discarded);
    // The sandbox kept the attempt's HOME (its CLI's sessions) for a follow-up; a discard forgets it.
    const home = join(fixture.service.dataDir, 'sandboxes', `${taskShortId(discarded)}-command-1`, 'home');
    expect(existsSync(home)).toBe(true);
    expect((await fixture.service.request(`/api/v1/tasks/${discarded}/discard`, { method: 'POST' })).status).toBe(200);
    expect(existsSync(home)).toBe(false);
    const afterDiscard = await followUp(discarded, 'command-1', 'more');
    expect(afterDiscard.status).toBe(409);
    expect((await afterDiscard.json()).error.code).toBe('attempt_discarded');
  });

  it('lets one of a discard and a follow-up sent together win, and refuses the other', async () => {
    for (let round = 0; round < 3; round++) {
      const id = await submit({ agents: [noter] });
      await waitForTaskEnd(fixture.service, id);
      const [discard, continued] = await Promise.all([fixture.service.request(`/api/v1/tasks/${id}/discard`, { method: 'POST' }), followUp(id, 'command-1', 'more')]);
      const outcome = `discard ${discard.status} ${await discard.text()}; follow-up ${continued.status} ${await continued.text()}`;
      // Before, the discard answered 500 half the time, or both went through and the follow-up ran on a discarded task.
      expect([discard.status, continued.status].sort(), outcome).toSatisfy((statuses: number[]) => ['200,409', '202,409'].includes(statuses.join(',')));
      await waitForTaskEnd(fixture.service, id);
    }
  });
});
