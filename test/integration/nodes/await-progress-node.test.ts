import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinAwaitProgress } from '../../../nodes/KageBunshinAwaitProgress/KageBunshinAwaitProgress.node.ts';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createExecuteContext, serveNodeWebhook, type ServedWebhook } from '../../support/n8n-context.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';
import { makeGateDir } from '../../support/service-process.ts';
import { until } from '../../support/until.ts';

const webhookSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwRmPqT7x1kE0=';

// An agent that waits until the test creates `go`, then writes a file: the test decides when
// the task can finish, so nothing depends on timing.
const gatedAgent = (go: string) => ({
  agent: 'command',
  command: [
    'node',
    '-e',
    "const fs=require('fs');const t=setInterval(()=>{if(fs.existsSync(process.argv[1])){clearInterval(t);fs.writeFileSync('hello.txt','hi\\n');}},50)",
    go,
  ],
});

describe.each(driverKinds)('Await Progress node against the real service on %s', (kind) => {
  let service: TestService;
  let repo: TestRepo;
  let gates: string;
  const credentialType = new KageBunshinApi();
  const credentials = () => ({ baseUrl: service.url, apiKey: TEST_API_KEY, webhookSecret });

  const submitTask = async (...agents: object[]): Promise<{ id: string }> => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'Say hello', repository: { path: repo.path }, agents },
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { id: string };
  };
  const taskStatus = async (id: string) => ((await (await service.request(`/api/v1/tasks/${id}`)).json()) as { status: string }).status;
  const untilFinished = async (id: string) => {
    for (let i = 0; i < 600 && !['completed', 'failed', 'cancelled'].includes(await taskStatus(id)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return await taskStatus(id);
  };
  const awaitNode = (parameters: Record<string, unknown>, items: INodeExecutionData[], resumeUrl?: string, nodeName?: string) => {
    const node = new KageBunshinAwaitProgress();
    const recording = createExecuteContext({ node, credentialType, credentials: credentials(), parameters: { operation: 'wait', ...parameters }, items, resumeUrl, nodeName });
    return { run: () => node.execute!.call(recording.context), recording };
  };
  const resumeEndpoint = (parameters: Record<string, unknown>, nodeName?: string) =>
    serveNodeWebhook({ node: new KageBunshinAwaitProgress(), credentialType, credentials: credentials(), parameters: { operation: 'wait', ...parameters }, nodeName });
  type CallbackView = { id: string; url: string; events: string[]; hasOwnSecret: boolean; name: string | null; expiresAt: string | null; status: string };
  const callbacksOf = async (taskId: string) =>
    ((await (await service.request(`/api/v1/tasks/${taskId}/callbacks`)).json()) as { items: CallbackView[] }).items;

  beforeAll(async () => {
    repo = await createTestRepo();
    gates = await makeGateDir();
    service = await startTestService({ kind, workers: 1, listen: true });
  });
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
    if (gates) rmSync(gates, { recursive: true, force: true });
  });

  it('registers the resume URL, waits, ignores forged calls, and resumes with the whole task when it ends', async () => {
    const go = join(gates, `go-task-${kind}`);
    const task = await submitTask(gatedAgent(go));
    const endpoint: ServedWebhook = await resumeEndpoint({ waitFor: 'taskFinished' });
    try {
      const before = Date.now();
      const { run, recording } = awaitNode({ waitFor: 'taskFinished', timeout: 30, timeoutUnit: 'minutes' }, [{ json: task }], endpoint.url);
      const [output] = await run();

      // Waiting: n8n keeps the execution until the deadline. What it shows meanwhile (a webhook
      // answered "When Last Node Finishes") says waiting; what passes through on timeout (the
      // stored input) says timed out.
      expect(recording.waits).toHaveLength(1);
      const deadline = recording.waits[0]!;
      expect(deadline.getTime() - before).toBeGreaterThanOrEqual(30 * 60_000 - 1000);
      expect(output).toEqual([
        {
          json: { id: task.id, timedOut: false, waiting: true, waitingUntil: deadline.toISOString(), event: null, waitedFor: { waitFor: 'taskFinished' } },
          pairedItem: { item: 0 },
        },
      ]);
      expect(recording.items).toEqual([
        { json: { id: task.id, timedOut: true, waiting: false, event: null, waitedFor: { waitFor: 'taskFinished' } }, pairedItem: { item: 0 } },
      ]);
      expect(await callbacksOf(task.id)).toEqual([
        expect.objectContaining({
          url: endpoint.url,
          events: ['task.completed', 'task.failed', 'task.cancelled'],
          hasOwnSecret: true,
          name: 'Kage Bunshin Await Progress',
          expiresAt: deadline.toISOString(),
          status: 'active',
        }),
      ]);

      const forged = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
        body: JSON.stringify({ type: 'task.completed', timestamp: new Date().toISOString(), data: { taskId: task.id, seq: 99, agentLabel: null } }),
      });
      expect(forged.status).toBe(401);

      await writeFile(go, '');
      const [[resumed]] = await endpoint.nextWorkflowData();
      expect(resumed.json).toMatchObject({ id: task.id, status: 'completed', timedOut: false, event: { type: 'task.completed', taskId: task.id } });
      expect(resumed.json.agents).toEqual([expect.objectContaining({ status: 'succeeded' })]);
      expect(endpoint.calls.filter((call) => call.result?.workflowData)).toHaveLength(1);
      expect(endpoint.calls.filter((call) => call.response.statusCode === 401)).toHaveLength(1);
      // The wait is over, and so is its callback: nothing more is sent to this execution.
      expect(await callbacksOf(task.id)).toEqual([expect.objectContaining({ status: 'disabled' })]);
    } finally {
      // Whatever failed above, let the task end: the next tests need the only worker.
      await writeFile(go, '');
      await untilFinished(task.id);
      await endpoint.close();
    }
  });

  it('waits for one attempt: acknowledges the other attempt finishing, resumes when the chosen one does', async () => {
    const [goFirst, goSecond] = [join(gates, `go-first-${kind}`), join(gates, `go-second-${kind}`)];
    const task = (await submitTask(gatedAgent(goFirst), gatedAgent(goSecond))) as { id: string; agents: Array<{ label: string }> };
    const [first, second] = task.agents.map((agent) => agent.label);
    const endpoint = await resumeEndpoint({ waitFor: 'agentFinished', agentLabel: second });
    try {
      const { run, recording } = awaitNode({ waitFor: 'agentFinished', agentLabel: second }, [{ json: task }], endpoint.url);
      await run();
      expect(recording.waits).toHaveLength(1);

      await writeFile(goFirst, '');
      const acknowledged = () =>
        endpoint.calls.some((call) => call.result?.webhookResponse?.acted === false && JSON.parse(call.request.rawBody.toString()).data.agentLabel === first);
      for (let i = 0; i < 600 && !acknowledged(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(acknowledged()).toBe(true);
      expect(endpoint.calls.some((call) => call.result?.workflowData)).toBe(false);

      await writeFile(goSecond, '');
      const [[resumed]] = await endpoint.nextWorkflowData();
      expect(resumed.json).toMatchObject({ id: task.id, timedOut: false, event: { type: 'agent.completed', agentLabel: second } });
    } finally {
      await writeFile(goFirst, '');
      await writeFile(goSecond, '');
      await untilFinished(task.id);
      await endpoint.close();
    }
  });

  it("does not take another wait's events: a second Await in the execution refuses the first one's callback, which ends", async () => {
    const go = join(gates, `go-second-wait-${kind}`);
    const task = await submitTask(gatedAgent(go));
    // Both waits of one execution share its resume URL; n8n calls the node waiting now.
    const endpoint = await resumeEndpoint({ waitFor: 'event', eventTypes: ['task.completed'] }, 'Await Second');
    try {
      await awaitNode({ waitFor: 'agentFinished', agentLabel: 'command-1' }, [{ json: task }], endpoint.url, 'Await First').run();
      await awaitNode({ waitFor: 'event', eventTypes: ['task.completed'] }, [{ json: task }], endpoint.url, 'Await Second').run();
      await writeFile(go, '');
      const [[resumed]] = await endpoint.nextWorkflowData();
      expect(resumed.json).toMatchObject({ id: task.id, event: { type: 'task.completed' } });
      const refused = endpoint.calls.filter((call) => call.response.statusCode === 410);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const call of refused) expect(JSON.parse(call.request.rawBody.toString()).data.callback.name).toBe('Await First');
      // The first callback's 410 and the second's delivery go out concurrently (one queue per
      // callback): its end is recorded right after its answer, not necessarily before the resume.
      const callbacks = await until('both callbacks to end', async () => {
        const found = await callbacksOf(task.id);
        return found.every((callback) => callback.status === 'disabled') ? found : undefined;
      }, 10_000).catch(() => callbacksOf(task.id));
      expect(callbacks.map((callback) => [callback.name, callback.status])).toEqual([
        ['Await First', 'disabled'],
        ['Await Second', 'disabled'],
      ]);
      expect(endpoint.calls.filter((call) => call.result?.workflowData)).toHaveLength(1);
    } finally {
      await writeFile(go, '');
      await untilFinished(task.id);
      await endpoint.close();
    }
  });

  it('continues at once, without waiting, when the task already finished before the node ran', async () => {
    const go = join(gates, `go-done-${kind}`);
    await writeFile(go, '');
    const task = await submitTask(gatedAgent(go));
    expect(await untilFinished(task.id)).toBe('completed');
    const { run, recording } = awaitNode({ waitFor: 'taskFinished' }, [{ json: task }], 'http://127.0.0.1:1/never-called');
    const [output] = await run();
    expect(recording.waits).toEqual([]);
    expect(output).toEqual([{ json: expect.objectContaining({ id: task.id, status: 'completed', timedOut: false, event: null }), pairedItem: { item: 0 } }]);
  });

  it('an event already in the log ends an event wait at once; a wait for one still to come registers a callback', async () => {
    const go = join(gates, `go-event-${kind}`);
    const task = await submitTask(gatedAgent(go));
    try {
      // The agent starts and then blocks on the gate, so agent.started is in the log.
      const logged = async (type: string) =>
        ((await (await service.request(`/api/v1/tasks/${task.id}/events`)).json()) as { items: Array<{ type: string }> }).items.some((event) => event.type === type);
      for (let i = 0; i < 600 && !(await logged('agent.started')); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const started = awaitNode({ waitFor: 'event', eventTypes: ['agent.started'] }, [{ json: task }], 'http://127.0.0.1:1/never-called');
      const [output] = await started.run();
      expect(started.recording.waits).toEqual([]);
      expect(output[0].json).toMatchObject({ id: task.id, timedOut: false, event: { type: 'agent.started', taskId: task.id } });

      const endpoint = await resumeEndpoint({ waitFor: 'event', eventTypes: ['merge.completed'] });
      try {
        const later = awaitNode({ waitFor: 'event', eventTypes: ['merge.completed'], limitWaitTime: false }, [{ json: task }], endpoint.url);
        await later.run();
        expect(later.recording.waits).toHaveLength(1);
        expect(later.recording.waits[0].getUTCFullYear()).toBeGreaterThanOrEqual(3000);
      } finally {
        await endpoint.close();
      }
    } finally {
      await writeFile(go, '');
      await untilFinished(task.id);
    }
  });

  it('refuses to wait without a webhook secret, for an unknown agent label, or for several items', async () => {
    const task = await submitTask({ agent: 'command', command: ['true'] });
    const node = new KageBunshinAwaitProgress();
    const withoutSecret = createExecuteContext({ node, credentialType, credentials: { baseUrl: service.url, apiKey: TEST_API_KEY }, parameters: { operation: 'wait' }, items: [{ json: task }] });
    await expect(node.execute!.call(withoutSecret.context)).rejects.toThrow('no webhook secret');
    await expect(awaitNode({ waitFor: 'agentFinished', agentLabel: 'nobody-9' }, [{ json: task }]).run()).rejects.toThrow(/no agent labelled "nobody-9"/);
    await expect(awaitNode({}, [{ json: task }, { json: task }]).run()).rejects.toThrow('one task per execution');
    // Let the task end before the repository is removed.
    expect(await untilFinished(task.id)).toBe('completed');
  });

  it('a wait that fails before waiting outputs why with Continue On Fail, or stops the node', async () => {
    const parameters = { operation: 'wait', waitFor: 'taskFinished', taskId: '0b0b0b0b-0000-4000-8000-000000000000' };
    const failing = (continueOnFail: boolean) => {
      const node = new KageBunshinAwaitProgress();
      const { context } = createExecuteContext({ node, credentialType, credentials: credentials(), parameters, items: [{ json: {} }], continueOnFail });
      return node.execute!.call(context);
    };
    const thrown = (await failing(false).catch((error: unknown) => error)) as { httpCode: string; message: string };
    expect(thrown.httpCode).toBe('404');
    // Not the input passed through (what n8n does with a thrown error): an item n8n can route to the error output.
    const [[item]] = (await failing(true)) as [[INodeExecutionData]];
    expect(item).toEqual({ json: { error: thrown.message, details: expect.objectContaining({ code: 'not_found', httpCode: '404' }) }, pairedItem: { item: 0 } });
  });
});
