import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinAwaitProgress } from '../../../nodes/KageBunshinAwaitProgress/KageBunshinAwaitProgress.node.ts';
import { callbackEventTypes, eventEndsWait, taskSatisfies } from '../../../nodes/KageBunshinAwaitProgress/wait-condition.ts';
import { createWebhookContext } from '../../support/n8n-context.ts';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const task = { id: 'a0a0a0a0-0000-4000-8000-000000000001', status: 'completed', agents: [{ label: 'claude-1', agent: 'claude', status: 'succeeded' }], winner: 'claude-1', winnerPassedVerify: null, description: 'Write a file' };

function call(event: object, parameters: Record<string, unknown>, signWith = secret) {
  const body = JSON.stringify(event);
  const id = 'msg_1';
  const now = new Date();
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(signWith).sign(id, now, body),
  };
  const node = new KageBunshinAwaitProgress();
  const { context, response } = createWebhookContext({
    node,
    credentialType: new KageBunshinApi(),
    // Nothing listens on port 1: a test fails loudly if the node calls the service when it should not.
    credentials: { baseUrl: 'http://127.0.0.1:1', apiKey: 'k', webhookSecret: secret },
    parameters: { operation: 'wait', ...parameters },
    request: { headers, rawBody: Buffer.from(body) },
  });
  return { run: () => node.webhook!.call(context), response };
}

const completed = { type: 'task.completed', timestamp: '2026-01-01T00:00:00Z', data: { taskId: task.id, seq: 9, agentLabel: null, task } };

// Calls that resume (and so fetch the task) run against the real service in
// test/integration/nodes; these never reach the network.
describe('Await Progress webhook()', () => {
  it('refuses a call signed with another secret with 401 and does not resume', async () => {
    const { run, response } = call(completed, { waitFor: 'taskFinished' }, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    const result = await run();
    expect(result).toEqual({ noWebhookResponse: true });
    expect(response).toMatchObject({ statusCode: 401, body: { error: { code: 'invalid_signature' } } });
  });

  it('acknowledges events that do not end the wait without resuming', async () => {
    const progress = { type: 'agent.progress', timestamp: 't', data: { taskId: task.id, seq: 4, agentLabel: 'claude-1', message: 'editing' } };
    const result = await call(progress, { waitFor: 'taskFinished' }).run();
    expect(result.workflowData).toBeUndefined();
    expect(result.webhookResponse).toMatchObject({ received: true, acted: false });

    const otherAgent = { type: 'agent.completed', timestamp: 't', data: { taskId: task.id, seq: 5, agentLabel: 'codex-2', task } };
    const waitingForClaude = await call(otherAgent, { waitFor: 'agentFinished', agentLabel: 'claude-1' }).run();
    expect(waitingForClaude.workflowData).toBeUndefined();
  });

  it('does not resume on event types other than the chosen ones', async () => {
    const verify = { type: 'verify.completed', timestamp: 't', data: { taskId: task.id, seq: 6, agentLabel: 'claude-1', passed: true } };
    const ignored = await call(verify, { waitFor: 'event', eventTypes: ['merge.completed'] }).run();
    expect(ignored.workflowData).toBeUndefined();
  });
});

describe('wait conditions', () => {
  it('subscribe to the events that can end them', () => {
    expect(callbackEventTypes({ waitFor: 'taskFinished' })).toEqual(['task.completed', 'task.failed', 'task.cancelled']);
    expect(callbackEventTypes({ waitFor: 'agentFinished', agentLabel: 'a' })).toEqual(['agent.completed', 'agent.failed', 'task.completed', 'task.failed', 'task.cancelled']);
    expect(callbackEventTypes({ waitFor: 'event', eventTypes: ['merge.completed'] })).toEqual(['merge.completed']);
  });

  it('a merge wait ends on a merge that moved the target, not on one left on a review branch', () => {
    expect(callbackEventTypes({ waitFor: 'merged' })).toEqual(['merge.completed']);
    const merge = (status: string) => ({ type: 'merge.completed', data: { taskId: 't', seq: 9, agentLabel: 'claude-1', status } });
    expect(eventEndsWait({ waitFor: 'merged' }, merge('merged'))).toBe(true);
    expect(eventEndsWait({ waitFor: 'merged' }, merge('manual'))).toBe(false);
    expect(eventEndsWait({ waitFor: 'merged' }, { type: 'task.completed', data: { taskId: 't', seq: 8, agentLabel: null } })).toBe(false);
  });

  it('an agent wait also ends when the whole task ends first', () => {
    const cancelled = { type: 'task.cancelled', data: { taskId: 't', seq: 3, agentLabel: null } };
    expect(eventEndsWait({ waitFor: 'agentFinished', agentLabel: 'claude-1' }, cancelled)).toBe(true);
  });

  it('are already met by a finished task, or a finished attempt', () => {
    const running = { ...task, status: 'running' as const, agents: [{ label: 'claude-1', agent: 'claude', status: 'running' }, { label: 'codex-2', agent: 'codex', status: 'failed' }] };
    expect(taskSatisfies({ waitFor: 'taskFinished' }, running)).toBe(false);
    expect(taskSatisfies({ waitFor: 'taskFinished' }, { ...running, status: 'failed' })).toBe(true);
    expect(taskSatisfies({ waitFor: 'agentFinished', agentLabel: 'codex-2' }, running)).toBe(true);
    expect(taskSatisfies({ waitFor: 'agentFinished', agentLabel: 'claude-1' }, running)).toBe(false);
    expect(taskSatisfies({ waitFor: 'event', eventTypes: ['task.started'] }, running)).toBe(false);
  });
});
