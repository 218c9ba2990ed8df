/**
 * Submit Task's Choose Agents Automatically against the real service: the Agents are sent as
 * `pick` candidates, the service runs Number of Agents of them and the node outputs its
 * `selection`; a refusal of the pick comes back in the words of the node's parameters.
 */
import { describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinSubmitTask } from '../../../nodes/KageBunshinSubmitTask/KageBunshinSubmitTask.node.ts';
import { driverKinds } from '../../support/databases.ts';
import { createExecuteContext } from '../../support/n8n-context.ts';
import { TEST_API_KEY } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

const candidate = (model: string) => ({ agent: 'command', command: `sh\n-c\necho ${model} > ${model}.txt`, model });

// No workers: the tasks stay pending, so the node's output is what the API chose and stored.
describe.each(driverKinds)('Submit Task choosing its agents automatically on %s', (kind) => {

  const submit = async (extra: Record<string, unknown>, continueOnFail = false) => {
    const node = new KageBunshinSubmitTask();
    const { context } = createExecuteContext({
      node,
      credentialType: new KageBunshinApi(),
      credentials: { baseUrl: fixture.service.url, apiKey: TEST_API_KEY },
      parameters: {
        resource: 'task',
        operation: 'submit',
        description: 'Choose for me',
        repositoryPath: fixture.repo.path,
        chooseAgents: true,
        agents: { agent: [candidate('first'), candidate('second'), candidate('third')] },
        options: { verifyCommand: 'test\n-f\nsecond.txt' },
        ...extra,
      },
      continueOnFail,
    });
    const [output] = await node.execute!.call(context);
    return output;
  };

  const fixture = serviceWithRepo({ kind, workers: 0, listen: true });

  it('sends the Agents as candidates and Number of Agents as the count; outputs the selection', async () => {
    const [task] = await submit({ agentCount: 2, strategy: 'race' });
    const json = task!.json as { strategy: string; agents: { model: string }[]; selection: { count: number; noHistory: boolean; candidates: { model: string; picked: boolean; reason: string }[] } };
    expect(json.strategy).toBe('race');
    expect(json.selection).toMatchObject({ count: 2, noHistory: true });
    // No history on this repository: the candidates are taken in order, and the selection says so.
    expect(json.selection.candidates.map(({ model, picked }) => [model, picked])).toEqual([
      ['first', true],
      ['second', true],
      ['third', false],
    ]);
    expect(json.selection.candidates[0]!.reason).toMatch(/^no history on this repository/);
    expect(json.agents.map((agent) => agent.model)).toEqual(['first', 'second']);
  });

  it("leaves the choice off by default and in a cascade, whose tiers name their agents", async () => {
    const [all] = await submit({ chooseAgents: false, agentCount: 1 });
    expect((all!.json as { agents: unknown[]; selection?: unknown }).agents).toHaveLength(3);
    expect(all!.json.selection ?? null).toBeNull();
    const [cascade] = await submit({ strategy: 'cascade', agentCount: 1 });
    expect((cascade!.json as { agents: unknown[] }).agents).toHaveLength(3);
    expect(cascade!.json.selection ?? null).toBeNull();
  });

  it("says a service's refusal of the pick in the node's words", async () => {
    const many = Array.from({ length: 9 }, (_, index) => candidate(`c${index}`));
    const [refused] = await submit({ agentCount: 9, agents: { agent: many } }, true);
    expect(refused!.json).toMatchObject({ details: { httpCode: '400' } });
    expect(String(refused!.json.error)).toMatch(/^Number of Agents/);
  });
});
