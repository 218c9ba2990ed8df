import { describe, expect, it } from 'vitest';
import type { IDataObject } from 'n8n-workflow';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinTrigger } from '../../../nodes/KageBunshinTrigger/KageBunshinTrigger.node.ts';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo } from '../../support/git-repo.ts';
import { createHookContext, serveNodeWebhook, type ServedWebhook } from '../../support/n8n-context.ts';
import { TEST_API_KEY } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

const webhookSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwRmPqT7x1kE0=';

describe.each(driverKinds)('Kage Bunshin Trigger against the real service on %s', (kind) => {
  const credentialType = new KageBunshinApi();

  const listSubscriptions = async () =>
    ((await (await fixture.service.request('/api/v1/subscriptions')).json()) as { items: Array<{ id: string; url: string; events: string[] }> }).items;
  const submitTask = async () => {
    const response = await fixture.service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'Say hello', repository: { path: fixture.repo.path }, agents: [{ agent: 'command', command: ['node', '-e', "require('fs').writeFileSync('hello.txt','hi')"] }] },
    });
    return (await response.json()) as { id: string };
  };

  const fixture = serviceWithRepo({ kind, workers: 1, listen: true });

  it.each([
    ['a credential with a webhook secret', webhookSecret],
    ['a credential without one', undefined],
  ])('subscribes on activation, starts the workflow per chosen event, and unsubscribes (%s), keeping no secret in static data', async (_name, secret) => {
    const node = new KageBunshinTrigger();
    const staticData: IDataObject = {};
    const credentials = { baseUrl: fixture.service.url, apiKey: TEST_API_KEY, webhookSecret: secret };
    const parameters = { events: ['task.completed'] };
    const endpoint: ServedWebhook = await serveNodeWebhook({ node, credentialType, credentials, parameters, staticData });
    const hooks = (events = parameters.events) =>
      createHookContext({ node, credentialType, credentials, parameters: { events }, staticData, webhookUrl: endpoint.url });
    const lifecycle = node.webhookMethods!.default;
    try {
      expect(await lifecycle.checkExists.call(hooks())).toBe(false);
      expect(await lifecycle.create.call(hooks())).toBe(true);
      expect(staticData).toEqual({ subscriptionId: expect.any(String) });
      expect(await lifecycle.checkExists.call(hooks())).toBe(true);
      expect(await listSubscriptions()).toContainEqual(expect.objectContaining({ id: staticData.subscriptionId, url: endpoint.url, events: ['task.completed'] }));

      const task = await submitTask();
      const [[started]] = await endpoint.nextWorkflowData();
      expect(started.json).toMatchObject({ type: 'task.completed', taskId: task.id, webhookId: expect.any(String) });
      expect(endpoint.calls.every((call) => call.response.statusCode !== 401)).toBe(true);

      // Another event selection: the stale subscription goes, create() makes the new one.
      const stale = staticData.subscriptionId;
      expect(await lifecycle.checkExists.call(hooks(['task.failed']))).toBe(false);
      expect((await listSubscriptions()).map((subscription) => subscription.id)).not.toContain(stale);

      expect(await lifecycle.create.call(hooks())).toBe(true);
      const current = staticData.subscriptionId;
      expect(await lifecycle.delete.call(hooks())).toBe(true);
      expect(staticData.subscriptionId).toBeUndefined();
      expect((await listSubscriptions()).map((subscription) => subscription.id)).not.toContain(current);
      expect(await lifecycle.delete.call(hooks())).toBe(true);
    } finally {
      await endpoint.close();
    }
  });

  it('refuses unsigned or wrongly signed calls and starts nothing', async () => {
    const node = new KageBunshinTrigger();
    const credentials = { baseUrl: fixture.service.url, apiKey: TEST_API_KEY, webhookSecret };
    const endpoint = await serveNodeWebhook({ node, credentialType, credentials, parameters: { events: ['task.completed'] }, staticData: {} });
    try {
      const body = JSON.stringify({ type: 'task.completed', timestamp: new Date().toISOString(), data: { taskId: 'x', seq: 1, agentLabel: null } });
      const unsigned = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(unsigned.status).toBe(401);
      const wrong = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': 'm', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,Zm9yZ2Vk' },
        body,
      });
      expect(wrong.status).toBe(401);
      expect(endpoint.calls.some((call) => call.result?.workflowData)).toBe(false);
    } finally {
      await endpoint.close();
    }
  });

  it('starts only for the tasks its filters let through: one repository, or its own key\'s tasks', async () => {
    const other = await createTestRepo();
    const node = new KageBunshinTrigger();
    const staticData: IDataObject = {};
    const credentials = { baseUrl: fixture.service.url, apiKey: TEST_API_KEY, webhookSecret };
    const parameters = { events: ['task.completed'], filters: { repositoryPath: fixture.repo.path } };
    const endpoint = await serveNodeWebhook({ node, credentialType, credentials, parameters, staticData });
    const hooks = (filters: IDataObject) =>
      createHookContext({ node, credentialType, credentials, parameters: { ...parameters, filters }, staticData, webhookUrl: endpoint.url });
    const lifecycle = node.webhookMethods!.default;
    try {
      expect(await lifecycle.create.call(hooks(parameters.filters))).toBe(true);
      expect(await lifecycle.checkExists.call(hooks(parameters.filters))).toBe(true);
      const submitOn = async (path: string) =>
        (await (
          await fixture.service.request('/api/v1/tasks', {
            method: 'POST',
            json: { description: 'Say hello', repository: { path }, agents: [{ agent: 'command', command: ['node', '-e', '0'] }] },
          })
        ).json()) as { id: string };
      const elsewhere = await submitOn(other.path);
      const here = await submitOn(fixture.repo.path);
      const [[started]] = await endpoint.nextWorkflowData();
      expect(started.json).toMatchObject({ type: 'task.completed', taskId: here.id });
      const deliveries = (await (await fixture.service.request(`/api/v1/tasks/${elsewhere.id}/deliveries`)).json()) as { items: unknown[] };
      expect(deliveries.items).toEqual([]);

      // Changing the filters replaces the subscription.
      expect(await lifecycle.checkExists.call(hooks({ ownTasksOnly: true }))).toBe(false);
      expect(await lifecycle.create.call(hooks({ ownTasksOnly: true }))).toBe(true);
      expect(await lifecycle.checkExists.call(hooks({ ownTasksOnly: true }))).toBe(true);
      await lifecycle.delete.call(hooks({ ownTasksOnly: true }));
    } finally {
      await endpoint.close();
      await other.cleanup();
    }
  });

  it("fails activation with the service's own message when the credential's key is wrong", async () => {
    const node = new KageBunshinTrigger();
    const credentials = { baseUrl: fixture.service.url, apiKey: 'not-a-key', webhookSecret };
    const context = createHookContext({ node, credentialType, credentials, parameters: { events: ['task.completed'] }, staticData: {}, webhookUrl: 'http://127.0.0.1:1/webhook/x' });
    await expect(node.webhookMethods!.default.create.call(context)).rejects.toThrow(/API key/i);
  });
});
