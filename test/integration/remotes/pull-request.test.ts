import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir, runGitIn, type TestRepo } from '../../support/git-repo.ts';
import { type GitHttpServer, startGitHttpServer } from '../../support/git-http-server.ts';
import { type GitHubStandIn, startGitHubStandIn } from '../../support/github-stand-in.ts';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinMerge } from '../../../nodes/KageBunshinMerge/KageBunshinMerge.node.ts';
import { KageBunshinSubmitTask } from '../../../nodes/KageBunshinSubmitTask/KageBunshinSubmitTask.node.ts';
import { createExecuteContext } from '../../support/n8n-context.ts';
import { startTestService, TEST_API_KEY, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');
const writer = (file: string, lines: string) => ({ agent: 'command', command: [process.execPath, join(fakeAgents, 'file-writing-agent.mjs'), file, lines] });
const TOKEN = 'ghp_standin0123456789abcdefTOKEN';

describe('pull requests on GitHub (git http-backend + a GitHub API stand-in checked against @octokit/openapi)', () => {
  let origin: TestRepo;
  let serverRoot: string;
  let bare: string;
  let git: GitHttpServer;
  let github: GitHubStandIn;
  let service: TestService;
  const call = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const response = await service.request(`/api/v1${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
  };

  beforeAll(async () => {
    origin = await createTestRepo({ 'README.md': '# app\n' });
    serverRoot = await makeTempDir('kage-forge-');
    bare = join(serverRoot, 'acme', 'app.git');
    await runGitIn(serverRoot, ['clone', '--quiet', '--bare', origin.path, bare]);
    git = await startGitHttpServer({ root: serverRoot, users: { 'x-access-token': TOKEN } });
    github = await startGitHubStandIn({ token: TOKEN, owner: 'acme', repo: 'app', gitDir: bare });
    service = await startTestService({ kind: 'pglite', workers: 2, listen: true, env: { KAGE_PUBLIC_URL: 'https://kage.example.com' } });
    const credential = await call('/git-credentials', {
      method: 'POST',
      json: { name: 'github-bot', host: '127.0.0.1', token: TOKEN, forge: 'github', apiUrl: github.url },
    });
    expect(credential.status).toBe(201);
  });
  afterAll(async () => {
    await service?.stop();
    await git?.stop();
    await github?.stop();
    await origin?.cleanup();
    if (serverRoot) await rm(serverRoot, { recursive: true, force: true });
  });

  it('the stand-in refuses what GitHub refuses: a request off the description, a head branch never pushed, a wrong token', async () => {
    const octokit = new Octokit({ auth: TOKEN, baseUrl: github.url });
    await expect(octokit.rest.pulls.list({ owner: 'acme', repo: 'app', state: 'bogus' as 'open' })).rejects.toMatchObject({ status: 422 });
    expect(github.invalidRequests.at(-1)).toMatch(/state must be one of open, closed, all/);
    await expect(octokit.request('POST /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'app', title: 'x', head: 7, base: 'main' } as never)).rejects.toMatchObject({ status: 422 });
    expect(github.invalidRequests.at(-1)).toMatch(/body\/head must be string/);
    await expect(octokit.rest.pulls.create({ owner: 'acme', repo: 'app', title: 'x', head: 'never-pushed', base: 'main' })).rejects.toMatchObject({ status: 422 });
    await expect(new Octokit({ auth: 'wrong', baseUrl: github.url }).rest.pulls.list({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({ status: 401 });
    github.invalidRequests.length = 0;
  });

  it('opens one pull request for the winner, pushing its branch first, with every attempt in its body; a second call returns it', async () => {
    const submitted = await call('/tasks', {
      method: 'POST',
      json: {
        description: 'Add the changelog\n\nKeep it short.',
        repository: { url: `${git.url}/acme/app.git`, credential: 'github-bot' },
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
    expect(pr!.body).toContain(`https://kage.example.com/api/v1/tasks/${task.id}`);
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
      json: { description: 'Add notes', repository: { url: `${git.url}/acme/app.git`, credential: 'github-bot' }, agents: [writer('NOTES.md', '2')] },
    });
    const task = await waitForTaskEnd(service, submitted.body.id);
    const branch = task.agents[0].branch;
    // Someone (or an earlier, interrupted call) opened it on the forge already.
    await new Octokit({ auth: TOKEN, baseUrl: github.url }).rest.pulls.create({ owner: 'acme', repo: 'app', title: 'by hand', head: branch, base: 'main' });
    const adopted = await call(`/tasks/${task.id}/pull-request`, { method: 'POST' });
    expect(adopted.status).toBe(200);
    expect(adopted.body).toMatchObject({ number: 2, created: false });
    expect(github.pullRequests).toHaveLength(2);

    const local = await call('/tasks', { method: 'POST', json: { description: 'x', repository: { path: origin.path }, agents: [writer('x.txt', '1')] } });
    await waitForTaskEnd(service, local.body.id);
    const refused = await call(`/tasks/${local.body.id}/pull-request`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('not_a_remote_repository');
  });

  it('from n8n: Submit Task takes the repository URL and credential name, Merge opens the pull request', async () => {
    const runNode = async (node: KageBunshinSubmitTask | KageBunshinMerge, parameters: Record<string, unknown>, json: Record<string, unknown> = {}) => {
      const { context } = createExecuteContext({
        node,
        credentialType: new KageBunshinApi(),
        credentials: { baseUrl: service.url, apiKey: TEST_API_KEY },
        parameters,
        items: [{ json }],
      });
      return (await node.execute!.call(context))[0]![0]!.json;
    };
    const submitted = await runNode(new KageBunshinSubmitTask(), {
      resource: 'task',
      operation: 'submit',
      description: 'Add a licence file',
      repositorySource: 'url',
      repositoryUrl: `${git.url}/acme/app.git`,
      gitCredential: 'github-bot',
      agents: { agent: [{ agent: 'command', command: `${process.execPath}\n${join(fakeAgents, 'file-writing-agent.mjs')}\nLICENSE\n4` }] },
      options: { push: 'winner' },
    });
    expect(submitted).toMatchObject({ status: 'pending', push: 'winner', repository: { url: `${git.url}/acme/app.git`, credential: 'github-bot' } });
    const task = await waitForTaskEnd(service, submitted.id as string);
    expect(task.status).toBe('completed');
    // push: winner pushed the winner's branch when the task was ranked.
    expect(await runGitIn(bare, ['rev-parse', `refs/heads/${task.agents[0].branch}`])).toBe(task.agents[0].headCommit);

    const opened = await runNode(new KageBunshinMerge(), { operation: 'openPullRequest', taskId: task.id, agent: 'best', pullRequestOptions: { title: 'Licence' } });
    expect(opened).toMatchObject({ created: true, branch: task.agents[0].branch, targetBranch: 'main', forge: 'github' });
    expect(github.pullRequests.at(-1)).toMatchObject({ title: 'Licence', head: task.agents[0].branch });
    expect(github.invalidRequests).toEqual([]);
  });
});
