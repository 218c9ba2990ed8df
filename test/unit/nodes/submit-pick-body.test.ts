import { describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinSubmitTask } from '../../../nodes/KageBunshinSubmitTask/KageBunshinSubmitTask.node.ts';
import { buildSubmitRequest } from '../../../nodes/KageBunshinSubmitTask/operations/submit-body.ts';
import { inParameterTerms, parameterName } from '../../../nodes/shared/parameter-names.ts';
import { createExecuteContext } from '../../support/n8n-context.ts';

function context(parameters: Record<string, unknown>) {
  return createExecuteContext({
    node: new KageBunshinSubmitTask(),
    credentialType: new KageBunshinApi(),
    credentials: { baseUrl: 'http://127.0.0.1:1', apiKey: 'k' },
    parameters: {
      resource: 'task',
      operation: 'submit',
      description: 'Fix the bug',
      repositoryPath: '/repo',
      agents: { agent: [{ agent: 'claude', model: 'claude-haiku-4-5' }, { agent: 'codex' }, { agent: 'gemini' }] },
      ...parameters,
    },
  }).context;
}

describe('Submit Task: Choose Agents Automatically', () => {
  it('sends the Agents as pick candidates and Number of Agents as its count, instead of agents', async () => {
    const { body } = await buildSubmitRequest(context({ chooseAgents: true, agentCount: 2 }), 0);
    expect(body).toEqual({
      description: 'Fix the bug',
      repository: { path: '/repo' },
      pick: { count: 2, candidates: [{ agent: 'claude', model: 'claude-haiku-4-5' }, { agent: 'codex' }, { agent: 'gemini' }] },
    });
    const race = await buildSubmitRequest(context({ chooseAgents: true, strategy: 'race', options: { verifyCommand: 'npm\ntest' } }), 0);
    expect(race.body).toMatchObject({ strategy: 'race', pick: { count: 1 } });
    expect(race.body.agents).toBeUndefined();
  });

  it('is off by default, and a cascade sends its tiers whatever the toggle kept', async () => {
    expect((await buildSubmitRequest(context({ agentCount: 2 }), 0)).body).toMatchObject({ agents: [{ agent: 'claude' }, { agent: 'codex' }, { agent: 'gemini' }] });
    const cascade = await buildSubmitRequest(context({ chooseAgents: true, strategy: 'cascade', options: { verifyCommand: 'npm\ntest' } }), 0);
    expect(cascade.body.pick).toBeUndefined();
    expect(cascade.body.tiers).toHaveLength(1);
  });

  it('refuses more agents to run than candidates, saying what to change', async () => {
    await expect(buildSubmitRequest(context({ chooseAgents: true, agentCount: 4 }), 0)).rejects.toThrow('Number of Agents is 4, but 3 Agents are given to choose from');
  });

  it("names the API's pick fields by the node's parameters", () => {
    expect(parameterName('pick.count')).toBe('Number of Agents');
    expect(parameterName('pick.candidates.1.model')).toBe('Agent 2: Model');
    expect(inParameterTerms('pick.count: Too big: expected number to be <=8', ['pick.count'])).toBe('Number of Agents: Too big: expected number to be <=8');
  });
});
