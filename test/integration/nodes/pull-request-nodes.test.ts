import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinMerge } from '../../../nodes/KageBunshinMerge/KageBunshinMerge.node.ts';
import { KageBunshinSubmitTask } from '../../../nodes/KageBunshinSubmitTask/KageBunshinSubmitTask.node.ts';
import { type ForgeFixture, startForgeFixture } from '../../support/forge-fixture.ts';
import { runGitIn } from '../../support/git-repo.ts';
import { createExecuteContext } from '../../support/n8n-context.ts';
import { TEST_API_KEY, waitForTaskEnd } from '../../support/service-harness.ts';
import { until } from '../../support/until.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');

describe('n8n nodes on a remote repository (git http-backend + GitHub stand-in)', () => {
  let fixture: ForgeFixture;

  beforeAll(async () => {
    fixture = await startForgeFixture();
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it('Submit Task takes the repository URL and credential name, Merge opens the pull request', async () => {
    const runNode = async (node: KageBunshinSubmitTask | KageBunshinMerge, parameters: Record<string, unknown>) => {
      const { context } = createExecuteContext({
        node,
        credentialType: new KageBunshinApi(),
        credentials: { baseUrl: fixture.service.url, apiKey: TEST_API_KEY },
        parameters,
        items: [{ json: {} }],
      });
      return (await node.execute!.call(context))[0]![0]!.json;
    };
    const submitted = await runNode(new KageBunshinSubmitTask(), {
      resource: 'task',
      operation: 'submit',
      description: 'Add a licence file',
      repositorySource: 'url',
      repositoryUrl: fixture.url,
      gitCredential: 'github-bot',
      agents: { agent: [{ agent: 'command', command: `${process.execPath}\n${join(fakeAgents, 'file-writing-agent.mjs')}\nLICENSE\n4` }] },
      options: { push: 'winner' },
    });
    expect(submitted.status).toMatch(/^(pending|running)$/);
    expect(submitted).toMatchObject({ push: 'winner', repository: { url: fixture.url, credential: 'github-bot' } });
    const task = await waitForTaskEnd(fixture.service, submitted.id as string);
    expect(task.status).toBe('completed');
    // push: winner pushes the winner's branch as its own step, once the task's end is stored.
    const pushed = await until('the winner to be pushed', () => runGitIn(fixture.bare, ['rev-parse', `refs/heads/${task.agents[0].branch}`]).catch(() => undefined), 30_000);
    expect(pushed).toBe(task.agents[0].headCommit);

    const opened = await runNode(new KageBunshinMerge(), { operation: 'openPullRequest', taskId: task.id, agent: 'best', pullRequestOptions: { title: 'Licence' } });
    expect(opened).toMatchObject({ created: true, branch: task.agents[0].branch, targetBranch: 'main', forge: 'github' });
    expect(fixture.github.pullRequests.at(-1)).toMatchObject({ title: 'Licence', head: task.agents[0].branch });
    expect(fixture.github.invalidRequests).toEqual([]);
  });
});
