import type { INodeExecutionData } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinAwaitProgress } from '../../../nodes/KageBunshinAwaitProgress/KageBunshinAwaitProgress.node.ts';
import { KageBunshinSubmitTask } from '../../../nodes/KageBunshinSubmitTask/KageBunshinSubmitTask.node.ts';
import { driverKinds } from '../../support/databases.ts';
import { createExecuteContext } from '../../support/n8n-context.ts';
import { TEST_API_KEY } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

// No workers: tasks stay pending, so the nodes see exactly what the API stored.
describe.each(driverKinds)('Submit Task node against the real service on %s', (kind) => {
  const credentialType = new KageBunshinApi();

  const run = async (parameters: Record<string, unknown>, items?: INodeExecutionData[], options: { apiKey?: string; continueOnFail?: boolean } = {}) => {
    const node = new KageBunshinSubmitTask();
    const { context } = createExecuteContext({
      node,
      credentialType,
      credentials: { baseUrl: `${fixture.service.url}/`, apiKey: options.apiKey ?? TEST_API_KEY },
      parameters,
      items,
      continueOnFail: options.continueOnFail,
    });
    const [output] = await node.execute!.call(context);
    return output;
  };
  const submit = (items: INodeExecutionData[], extra: Record<string, unknown> = {}) =>
    run(
      {
        resource: 'task',
        operation: 'submit',
        description: '={{ $json.description }}',
        repositoryPath: fixture.repo.path,
        agents: { agent: [{ agent: 'command', command: 'node\n-e\nconsole.log(1)' }, { agent: 'claude', model: 'claude-sonnet-4-5' }] },
        ...extra,
      },
      items,
    );

  const fixture = serviceWithRepo({ kind, workers: 0, listen: true });

  it('submits one task per input item, with expressions per item and paired items', async () => {
    const output = await submit([{ json: { description: 'Add a greeting' } }, { json: { description: 'Add a farewell' } }]);
    expect(output).toHaveLength(2);
    expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
    expect(output.map((item) => item.json.description)).toEqual(['Add a greeting', 'Add a farewell']);
    const [first] = output;
    expect(first.json).toMatchObject({ status: 'pending', repository: { path: fixture.repo.path, baseCommit: await fixture.repo.head() } });
    expect((first.json.agents as Array<{ agent: string; model: string | null }>).map(({ agent, model }) => ({ agent, model }))).toEqual([
      { agent: 'command', model: null },
      { agent: 'claude', model: 'claude-sonnet-4-5' },
    ]);
    expect(first.json.id).not.toBe(output[1].json.id);
  });

  it('passes verify, setup, sandbox limits, budget and the idempotency key: a repeated submit returns the same task', async () => {
    const options = {
      options: {
        verifyCommand: '["npm","test"]',
        verifyWithoutNetwork: true,
        verifyRounds: 3,
        judge: 'claude',
        judgeAlways: true,
        setupCommand: 'npm\nci',
        copyFiles: '.env',
        keepFolders: 'node_modules',
        setupTimeoutSeconds: 120,
        maxProcesses: 64,
        maxWorktreeMb: 100,
        budgetUsd: 1.5,
        idempotencyKey: `key-${kind}`,
      },
    };
    const [once] = await submit([{ json: { description: 'Idempotent' } }], options);
    const [again] = await submit([{ json: { description: 'Idempotent' } }], options);
    expect(again.json.id).toBe(once.json.id);
    expect(once.json).toMatchObject({
      verify: { command: ['npm', 'test'], network: 'none', maxRounds: 3 },
      setup: { command: ['npm', 'ci'], copy: ['.env'], keep: ['node_modules'], timeoutSeconds: 120 },
      limits: { processes: 64, worktreeMb: 100 },
      judge: { agent: 'claude', when: 'always' },
      budgetUsd: 1.5,
    });
  });

  it('gets a task by the incoming item id (the default), lists, cancels and counts tasks', async () => {
    const submitted = await submit([{ json: { description: 'To get and cancel' } }]);
    const [got] = await run({ resource: 'task', operation: 'get' }, submitted);
    expect(got.json).toMatchObject({ id: submitted[0].json.id, status: 'pending' });

    const listed = await run({ resource: 'task', operation: 'getAll', limit: 2, filters: { status: 'pending' } });
    expect(listed).toHaveLength(2);
    expect(listed.every((item) => item.json.status === 'pending' && item.pairedItem && (item.pairedItem as { item: number }).item === 0)).toBe(true);
    const all = await run({ resource: 'task', operation: 'getAll', returnAll: true });
    expect(all.map((item) => item.json.id)).toContain(submitted[0].json.id);

    const [cancelled] = await run({ resource: 'task', operation: 'cancel' }, submitted);
    expect(cancelled.json.id).toBe(submitted[0].json.id);
    const [status] = await new KageBunshinAwaitProgress().execute!.call(
      createExecuteContext({
        node: new KageBunshinAwaitProgress(),
        credentialType,
        credentials: { baseUrl: fixture.service.url, apiKey: TEST_API_KEY },
        parameters: { operation: 'getStatus' },
        items: submitted,
      }).context,
    );
    expect(status[0].json).toMatchObject({ id: submitted[0].json.id, status: 'cancelled', finished: true });

    const [stats] = await run({ resource: 'task', operation: 'getStats' });
    expect((stats.json.byStatus as Record<string, number>).cancelled).toBeGreaterThanOrEqual(1);
  });

  it('follows up on an attempt: the request reaches the service, which says a pending task has nothing to continue yet', async () => {
    const submitted = await submit([{ json: { description: 'To follow up' } }]);
    const [refused] = await run({ resource: 'task', operation: 'followUp', attempt: 'command-1', followUpPrompt: 'and more' }, submitted, { continueOnFail: true });
    expect(refused.json).toMatchObject({ details: { code: 'task_not_finished', httpCode: '409' } });
    expect(String(refused.json.error)).toMatch(/is pending: a follow-up continues an attempt of a finished task/);
  });

  it("fails with the service's own message, or outputs it per item with Continue On Fail", async () => {
    const parameters = {
      resource: 'task',
      operation: 'submit',
      description: 'Nowhere',
      repositoryPath: `${fixture.repo.path}/does-not-exist`,
    };
    const failure = run(parameters).catch((error: unknown) => error);
    const error = (await failure) as { message: string; httpCode?: string; constructor: { name: string } };
    expect(error.constructor.name).toBe('NodeApiError');
    expect(error.httpCode).toMatch(/^4\d\d$/);
    expect(error.message).not.toMatch(/Request failed|status code/);
    expect(error.message).toMatch(/does-not-exist|repository/i);
    // In the words of the node's parameters, with the API field in the description.
    expect(error.message).toMatch(/^Repository Path .*does-not-exist does not exist/);
    expect((error as unknown as { description: string }).description).toContain('Repository Path (API field repository.path)');

    const output = await run(parameters, [{ json: {} }, { json: {} }], { continueOnFail: true });
    expect(output).toHaveLength(2);
    expect(output[1]).toMatchObject({
      json: { error: error.message, details: { code: 'invalid_repository', details: { field: 'repository.path' }, httpCode: '400' } },
      pairedItem: { item: 1 },
    });
    // Nothing but error, message and details: n8n routes only such items to the error output.
    expect(Object.keys(output[1]!.json)).toEqual(['error', 'details']);
  });

  it('reports a wrong API key as the service words it', async () => {
    const failure = (await run({ resource: 'task', operation: 'getAll' }, undefined, { apiKey: 'wrong' }).catch((e: unknown) => e)) as {
      message: string;
      httpCode: string;
    };
    expect(failure.httpCode).toBe('401');
    expect(failure.message).toMatch(/Invalid API key/);
  });

  it('lists the agents the service knows', async () => {
    const agents = await run({ resource: 'agent', operation: 'getAll' });
    expect(agents.map((item) => item.json.name)).toEqual(expect.arrayContaining(['claude', 'codex', 'gemini', 'command']));
  });

  it('the credential test request succeeds with the right key and fails with a wrong one', async () => {
    const { request } = credentialType.test;
    // Evaluate the credential's own expression the way n8n would, with a trailing slash typed.
    const [, code, rest] = /^=\{\{(.*)\}\}(.*)$/.exec(String(request.baseURL))!;
    const evaluate = new Function('$credentials', `return (${code});`) as (credentials: object) => string;
    const url = `${evaluate({ baseUrl: `${fixture.service.url}/` })}${rest}${request.url}`;
    expect(url).toBe(`${fixture.service.url}/api/v1/agents`);
    expect((await fetch(url, { headers: { 'X-API-Key': TEST_API_KEY } })).status).toBe(200);
    expect((await fetch(url, { headers: { 'X-API-Key': 'wrong' } })).status).toBe(401);
  });
});
