import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORGE_TOKEN as TOKEN, type ForgeFixture, startForgeFixture } from '../../support/forge-fixture.ts';
import { runGitIn } from '../../support/git-repo.ts';
import { type TestService, waitForTaskEnd } from '../../support/service-harness.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const writer = (file: string, lines: string) => ({ agent: 'command', command: [process.execPath, join(fakeAgents, 'file-writing-agent.mjs'), file, lines] });

describe('pull requests on GitHub (git http-backend + a GitHub API stand-in checked against @octokit/openapi)', () => {
  let fixture: ForgeFixture;
  let service: TestService;
  let github: ForgeFixture['github'];
  let bare: string;
  const call = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const response = await service.request(`/api/v1${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
  };

  beforeAll(async () => {
    fixture = await startForgeFixture();
    ({ service, github, bare } = fixture);
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it('the stand-in refuses what GitHub refuses: a request off the description, a head branch never pushed, a wrong token', async () => {
    const octokit = new Octokit({ auth: TOKEN, baseUrl: github.url, log: quiet });
    await expect(octokit.rest.pulls.list({ owner: 'acme', repo: 'app', state: 'bogus' as 'open' })).rejects.toMatchObject({ status: 422 });
    expect(github.invalidRequests.at(-1)).toMatch(/state must be one of open, closed, all/);
    await expect(octokit.request('POST /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'app', title: 'x', head: 7, base: 'main' } as never)).rejects.toMatchObject({ status: 422 });
    expect(github.invalidRequests.at(-1)).toMatch(/body\/head must be string/);
    await expect(octokit.rest.pulls.create({ owner: 'acme', repo: 'app', title: 'x', head: 'never-pushed', base: 'main' })).rejects.toMatchObject({ status: 422 });
    await expect(new Octokit({ auth: 'wrong', baseUrl: github.url, log: quiet }).rest.pulls.list({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({ status: 401 });
    github.invalidRequests.length = 0;
  });

  it('opens one pull request for the winner, pushing its branch first, with every attempt in its body; a second call returns it', async () => {
    const submitted = await call('/tasks', {
      method: 'POST',
      json: {
        description: 'Add the changelog\n\nKeep it short.',
        repository: { url: fixture.url, credential: 'github-bot' },
        push: 'none',
        agents: [writer('CHANGELOG.md', '3'), writer('CHANGELOG.md', '30')],
      },
    });
    expect(submitted.status).toBe(202);
    const task = await waitForTaskEnd(service, submitted.body.id);
    expect(task.status).toBe('completed');
    const winner = task.agents.find((run: { label: string }) => run.label === task.winner);
    // push: none left the branches in the service.
    expect(await runGitIn(bare, ['branch', '--list', 'kage/*'])).toBe('');

    const opened = await call(`/tasks/${task.id}/pull-request`, { method: 'POST', json: { draft: true } });
    expect(opened.status, opened.text).toBe(201);
    expect(opened.body).toMatchObject({ number: 1, agent: task.winner, branch: winner.branch, targetBranch: 'main', forge: 'github', created: true });
    expect(opened.body.url).toMatch(/\/acme\/app\/pull\/1$/);
    expect(github.invalidRequests).toEqual([]);
    expect(github.pullRequests).toHaveLength(1);
    const [pr] = github.pullRequests;
    expect(pr).toMatchObject({ title: 'Add the changelog', head: winner.branch, base: 'main', draft: true });
    expect(pr!.body).toContain('Keep it short.');
    expect(pr!.body).toMatch(/\| \*\*command-\d\*\* \| command \|/);
    expect(pr!.body).toContain('| command-1 |'.replace('command-1', task.agents.find((run: { label: string }) => run.label !== task.winner).label));
    expect(pr!.body).toContain(`[review every attempt](https://kage.example.com/ui/tasks/${task.id})`);
    expect(await runGitIn(bare, ['rev-parse', `refs/heads/${winner.branch}`])).toBe(winner.headCommit);

    const again = await call(`/tasks/${task.id}/pull-request`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ number: 1, created: false });
    expect(github.pullRequests).toHaveLength(1);

    const shown = await call(`/tasks/${task.id}`);
    expect(shown.body.pullRequest).toMatchObject({ number: 1, url: opened.body.url, agent: task.winner });
    const events = (await call(`/tasks/${task.id}/events`)).body.items.filter((event: { type: string }) => event.type === 'pull_request.opened');
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ number: 1, created: true });
    for (const text of [opened.text, again.text, shown.text, JSON.stringify(events)]) expect(text).not.toContain(TOKEN);
  });

  it('adopts a pull request that is open already instead of opening a second, and refuses local-path tasks', async () => {
    const submitted = await call('/tasks', {
      method: 'POST',
      json: { description: 'Add notes', repository: { url: fixture.url, credential: 'github-bot' }, agents: [writer('NOTES.md', '2')] },
    });
    const task = await waitForTaskEnd(service, submitted.body.id);
    const branch = task.agents[0].branch;
    // Someone (or an earlier, interrupted call) opened it on the forge already.
    await new Octokit({ auth: TOKEN, baseUrl: github.url, log: quiet }).rest.pulls.create({ owner: 'acme', repo: 'app', title: 'by hand', head: branch, base: 'main' });
    const adopted = await call(`/tasks/${task.id}/pull-request`, { method: 'POST' });
    expect(adopted.status).toBe(200);
    expect(adopted.body).toMatchObject({ number: 2, created: false });
    expect(github.pullRequests).toHaveLength(2);

    const local = await call('/tasks', { method: 'POST', json: { description: 'x', repository: { path: fixture.origin.path }, agents: [writer('x.txt', '1')] } });
    await waitForTaskEnd(service, local.body.id);
    const refused = await call(`/tasks/${local.body.id}/pull-request`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('not_a_remote_repository');
  });
});
