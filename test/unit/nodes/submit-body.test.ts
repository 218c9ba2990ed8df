import { describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinSubmitTask } from '../../../nodes/KageBunshinSubmitTask/KageBunshinSubmitTask.node.ts';
import { buildSubmitRequest } from '../../../nodes/KageBunshinSubmitTask/operations/submit-body.ts';
import { createExecuteContext } from '../../support/n8n-context.ts';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function context(parameters: Record<string, unknown>, webhookSecret = '') {
  return createExecuteContext({
    node: new KageBunshinSubmitTask(),
    credentialType: new KageBunshinApi(),
    credentials: { baseUrl: 'http://127.0.0.1:1', apiKey: 'k', webhookSecret },
    parameters: { resource: 'task', operation: 'submit', description: 'Fix the bug', repositoryPath: '/repo', ...parameters },
  }).context;
}

describe('buildSubmitRequest', () => {
  it('maps the agents collection, argv fields and options onto POST /tasks', async () => {
    const request = await buildSubmitRequest(
      context({
        agents: {
          agent: [
            { agent: 'claude', model: 'claude-sonnet-4-5', prompt: '', timeoutSeconds: 600, args: '--max-turns\n20\n', command: '' },
            { agent: 'command', command: '["node","agent.js","{prompt}"]' },
          ],
        },
        options: { baseRef: 'main', verifyCommand: 'npm\ntest', verifyProtect: 'test/**\n*.test.ts', verifyTimeoutSeconds: 120, budgetUsd: 2.5, idempotencyKey: 'run-42' },
      }),
      0,
    );
    expect(request).toEqual({
      body: {
        description: 'Fix the bug',
        repository: { path: '/repo', baseRef: 'main' },
        agents: [
          { agent: 'claude', model: 'claude-sonnet-4-5', timeoutSeconds: 600, args: ['--max-turns', '20'] },
          { agent: 'command', command: ['node', 'agent.js', '{prompt}'] },
        ],
        verify: { command: ['npm', 'test'], protect: ['test/**', '*.test.ts'], timeoutSeconds: 120 },
        budgetUsd: 2.5,
      },
      headers: { 'Idempotency-Key': 'run-42' },
    });
  });

  it('sends a race with its agents, and a cascade with the agents grouped into tiers by their Tier, lowest first', async () => {
    const verifyCommand = 'npm\ntest';
    const race = await buildSubmitRequest(context({ strategy: 'race', agents: { agent: [{ agent: 'claude' }, { agent: 'codex' }] }, options: { verifyCommand } }), 0);
    expect(race.body).toMatchObject({ strategy: 'race', agents: [{ agent: 'claude' }, { agent: 'codex' }], verify: { command: ['npm', 'test'] } });
    expect(race.body.tiers).toBeUndefined();
    const cascade = await buildSubmitRequest(
      context({
        strategy: 'cascade',
        agents: {
          agent: [
            { agent: 'claude', model: 'claude-opus-4-1', tier: 3 },
            { agent: 'claude', model: 'claude-haiku-4-5', tier: 1 },
            { agent: 'gemini', tier: 1 },
          ],
        },
        options: { verifyCommand, budgetUsd: 3 },
      }),
      0,
    );
    expect(cascade.body).toEqual({
      description: 'Fix the bug',
      repository: { path: '/repo' },
      strategy: 'cascade',
      tiers: [[{ agent: 'claude', model: 'claude-haiku-4-5' }, { agent: 'gemini' }], [{ agent: 'claude', model: 'claude-opus-4-1' }]],
      verify: { command: ['npm', 'test'] },
      budgetUsd: 3,
    });
    // All (the default) sends neither strategy nor tiers, whatever Tier the agents kept.
    const all = await buildSubmitRequest(context({ agents: { agent: [{ agent: 'claude', tier: 2 }] } }), 0);
    expect(all.body).toEqual({ description: 'Fix the bug', repository: { path: '/repo' }, agents: [{ agent: 'claude' }] });
  });

  it('refuses a race or a cascade without a verify command, saying why', async () => {
    await expect(buildSubmitRequest(context({ strategy: 'race' }), 0)).rejects.toThrow('Strategy Race needs a Verify Command');
    await expect(buildSubmitRequest(context({ strategy: 'cascade' }), 0)).rejects.toThrow('Strategy Cascade needs a Verify Command');
  });

  it("uses the node's default agent when the user added none explicitly", async () => {
    const { body } = await buildSubmitRequest(context({}), 0);
    expect(body.agents).toEqual([{ agent: 'claude' }]);
    expect(body.repository).toEqual({ path: '/repo' });
  });

  it("signs a callback with the credential's webhook secret", async () => {
    const { body } = await buildSubmitRequest(
      context({ options: { callbackUrl: 'https://hooks.example/k', callbackEvents: ['task.completed'] } }, secret),
      0,
    );
    expect(body.callbacks).toEqual([{ url: 'https://hooks.example/k', events: ['task.completed'], secret }]);
  });

  it('sends an ACP agent its command, and refuses one without', async () => {
    const { body } = await buildSubmitRequest(context({ agents: { agent: [{ agent: 'acp', command: 'gemini\n--acp' }] } }), 0);
    expect(body.agents).toEqual([{ agent: 'acp', command: ['gemini', '--acp'] }]);
    await expect(buildSubmitRequest(context({ agents: { agent: [{ agent: 'acp' }] } }), 0)).rejects.toThrow('Agent 1 is "Any ACP Agent" but has no Command');
  });

  it('refuses an empty agent list, a command agent without a command, and a malformed argv', async () => {
    await expect(buildSubmitRequest(context({ agents: { agent: [] } }), 0)).rejects.toThrow('Add at least one agent');
    await expect(buildSubmitRequest(context({ agents: { agent: [{ agent: 'command' }] } }), 0)).rejects.toThrow(
      'Agent 1 is "Any Command" but has no Command',
    );
    await expect(
      buildSubmitRequest(context({ agents: { agent: [{ agent: 'claude', args: '["unterminated' }] } }), 0),
    ).rejects.toThrow('Agent 1: Extra Arguments');
  });
});
