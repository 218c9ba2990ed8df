import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinMerge } from '../../../nodes/KageBunshinMerge/KageBunshinMerge.node.ts';
import { driverKinds } from '../../support/databases.ts';
import { createExecuteContext } from '../../support/n8n-context.ts';
import { TEST_API_KEY } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

describe.each(driverKinds)('Kage Bunshin Merge node against the real service on %s', (kind) => {

  const finishedTask = async (content: string, verify?: { command: string[] }): Promise<IDataObject> => {
    const script = `require('fs').writeFileSync('hello.txt', ${JSON.stringify(content)})`;
    const response = await fixture.service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'Write hello.txt', repository: { path: fixture.repo.path }, agents: [{ agent: 'command', command: ['node', '-e', script] }], verify },
    });
    const { id } = (await response.json()) as { id: string };
    for (let i = 0; i < 600; i++) {
      const task = (await (await fixture.service.request(`/api/v1/tasks/${id}`)).json()) as IDataObject;
      if (['completed', 'failed', 'cancelled'].includes(task.status as string)) return task;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`task ${id} did not finish`);
  };
  const run = async (parameters: Record<string, unknown>, items: INodeExecutionData[], continueOnFail = false) => {
    const node = new KageBunshinMerge();
    const { context } = createExecuteContext({
      node,
      credentialType: new KageBunshinApi(),
      credentials: { baseUrl: fixture.service.url, apiKey: TEST_API_KEY },
      parameters,
      items,
      continueOnFail,
    });
    return (await node.execute!.call(context))[0];
  };

  const fixture = serviceWithRepo({ kind, workers: 1, listen: true });

  it('checks conflicts, shows the diff and merges the best attempt of each input task', async () => {
    const task = await finishedTask('hi\n');
    expect(task.status).toBe('completed');
    const items = [{ json: task }];

    const [check] = await run({ operation: 'checkConflicts' }, items);
    expect(check.json).toMatchObject({ taskId: task.id, clean: true, conflicts: [], targetBranch: 'main' });

    const [diff] = await run({ operation: 'getDiff' }, items);
    expect(diff.json.patch).toContain('+hi');
    expect((diff.json.stats as { files: Array<{ path: string }> }).files.map((file) => file.path)).toEqual(['hello.txt']);

    const [merged] = await run({ operation: 'merge', strategy: 'auto', options: { message: 'Merge the greeting' } }, items);
    expect(merged).toMatchObject({ json: { status: 'merged', targetBranch: 'main' }, pairedItem: { item: 0 } });
    expect(await fixture.repo.git('show', 'main:hello.txt')).toBe('hi');
  });

  it('reports a conflicting auto merge as an item or as an error, as chosen, and discards attempts', async () => {
    const task = await finishedTask('from the agent\n');
    await fixture.repo.commit({ 'hello.txt': 'changed on main meanwhile\n' });
    const items = [{ json: task }];

    const [outcome] = await run({ operation: 'merge', strategy: 'auto', onConflict: 'output' }, items);
    expect(outcome.json).toMatchObject({ status: 'conflicts', conflicts: [expect.objectContaining({ path: 'hello.txt' })] });

    const failure = (await run({ operation: 'merge', strategy: 'auto' }, items).catch((error: unknown) => error)) as { httpCode: string; message: string };
    expect(failure.httpCode).toBe('409');
    expect(failure.message).not.toMatch(/status code/);
    expect(await fixture.repo.read('hello.txt')).toBe('changed on main meanwhile\n');

    const [discarded] = await run({ operation: 'discard' }, items);
    expect(discarded.json).toMatchObject({ taskId: task.id, deletedBranches: [expect.any(String)] });
  });

  it('refuses an attempt that did not pass verify unless Allow Unverified is on; with continue on fail the item says why', async () => {
    const task = await finishedTask('untested\n', { command: ['node', '-e', 'process.exit(4)'] });
    expect(task).toMatchObject({ status: 'completed', winnerPassedVerify: false });
    const items = [{ json: task }];

    const failure = (await run({ operation: 'merge', strategy: 'auto' }, items).catch((error: unknown) => error)) as { httpCode: string; message: string; description: string };
    expect(failure.httpCode).toBe('409');
    expect(failure.message).toContain('did not pass verify');
    expect(failure.message).toContain('send Allow Unverified: true');
    expect(failure.description).toContain('Allow Unverified');

    const [refused] = await run({ operation: 'openPullRequest' }, items, true);
    expect(refused!.json).toMatchObject({ details: { code: 'not_verified', httpCode: '409', details: { label: 'command-1', passedBy: [] } } });
    const [notRemote] = await run({ operation: 'openPullRequest', allowUnverified: true }, items, true);
    expect(notRemote!.json).toMatchObject({ details: { code: 'not_a_remote_repository' } });

    const [merged] = await run({ operation: 'merge', strategy: 'auto', allowUnverified: true }, items);
    expect(merged!.json).toMatchObject({ status: 'merged', agent: 'command-1' });
    expect(await fixture.repo.git('show', 'main:hello.txt')).toBe('untested');
  });
});
