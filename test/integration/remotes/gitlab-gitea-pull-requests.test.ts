import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORGE_TOKEN, type ForgeFixture, startForgeFixture } from '../../support/forge-fixture.ts';
import { type ForgeStandIn, startGiteaStandIn, startGitLabStandIn } from '../../support/gitlab-gitea-stand-ins.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');

describe.each([
  ['gitlab', startGitLabStandIn, /\/acme\/app\/-\/merge_requests\/1$/, 'Draft: Add the notes'],
  ['gitea', startGiteaStandIn, /\/acme\/app\/pulls\/1$/, 'WIP: Add the notes'],
] as const)('pull requests on %s (git http-backend + a stand-in of its documented API)', (forge, startStandIn, urlPattern, draftTitle) => {
  let fixture: ForgeFixture;
  let standIn: ForgeStandIn;
  const call = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const response = await fixture.service.request(`/api/v1${path}`, init);
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    fixture = await startForgeFixture();
    standIn = await startStandIn({ token: FORGE_TOKEN, gitDir: fixture.bare });
    const stored = await call('/git-credentials', {
      method: 'POST',
      json: { name: `${forge}-bot`, host: '127.0.0.1', token: FORGE_TOKEN, forge, apiUrl: standIn.apiUrl },
    });
    expect(stored.status).toBe(201);
  });
  afterAll(async () => {
    await standIn?.stop();
    await fixture?.stop();
  });

  it('opens one pull request (GitLab: merge request) with the winner, pushed first; a second call returns it', async () => {
    const submitted = await call('/tasks', {
      method: 'POST',
      json: {
        description: 'Add the notes',
        repository: { url: fixture.url, credential: `${forge}-bot` },
        push: 'none',
        agents: [{ agent: 'command', command: [process.execPath, join(fakeAgents, 'file-writing-agent.mjs'), 'NOTES.md', '2'] }],
      },
    });
    const task = await waitForTaskEnd(fixture.service, submitted.body.id);
    expect(task.status).toBe('completed');
    const opened = await call(`/tasks/${task.id}/pull-request`, { method: 'POST', json: { draft: true } });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ number: 1, forge, branch: task.agents[0].branch, targetBranch: 'main', created: true });
    expect(opened.body.url).toMatch(urlPattern);
    expect(standIn.invalidRequests).toEqual([]);
    expect(standIn.pullRequests).toEqual([expect.objectContaining({ title: draftTitle, head: task.agents[0].branch, base: 'main' })]);
    expect(standIn.pullRequests[0]!.body).toContain('| **command-1** | command |');

    const again = await call(`/tasks/${task.id}/pull-request`, { method: 'POST' });
    expect(again).toMatchObject({ status: 200, body: { number: 1, created: false } });
    expect(standIn.pullRequests).toHaveLength(1);
    expect(standIn.invalidRequests).toEqual([]);
  });
});
