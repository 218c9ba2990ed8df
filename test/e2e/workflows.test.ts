/**
 * The shipped example workflows, imported unchanged into a real n8n that has this package
 * installed from its tarball, driving a real service over HTTP. The coding agents are stand-ins
 * for the claude, codex and gemini CLIs (fixtures/fake-cli-agent.mjs): same argv, same output.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startChatReceiver, type ChatReceiver } from '../support/chat-receiver.ts';
import { TEST_API_KEY } from '../support/service-harness.ts';
import type { WorkflowAnswer } from '../support/workflow-answers.ts';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack.ts';

const fakeAgent = fileURLToPath(new URL('./fixtures/fake-cli-agent.mjs', import.meta.url));

describe('the example workflows in a real n8n', () => {
  let stack: WorkflowStack;
  let chat: ChatReceiver;
  const post = (path: string, body: unknown) => stack.post<WorkflowAnswer>(path, body);

  beforeAll(async () => {
    chat = await startChatReceiver();
    stack = await startWorkflowStack({
      serviceEnv: { KAGE_CLAUDE_BIN: fakeAgent, KAGE_CODEX_BIN: fakeAgent, KAGE_GEMINI_BIN: fakeAgent },
      // The monitor workflow reads its chat URL from n8n's environment, as its note explains.
      n8nEnv: { KAGE_CHAT_WEBHOOK_URL: chat.url, N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    chat?.close();
  });

  it('best of three: runs three agents, verifies, merges the winner and answers with it', async () => {
    const { repo, n8n, api, workflowIds } = stack;
    const { status, body } = await post('kage-best-of-three', {
      description: 'write notes.txt containing "notes by {agent}"',
      repositoryPath: repo.path,
      verifyCommand: ['grep', '-q', 'codex', 'notes.txt'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.winner).toMatch(/codex/);
    expect(body).toMatchObject({ outcome: 'merged', winnerPassedVerify: true });
    expect(body.merge).toMatchObject({ status: 'merged', targetBranch: 'main' });
    expect(await repo.git('show', 'main:notes.txt')).toBe('notes by codex');
    expect(await repo.head('main')).toBe(body.merge?.commit);

    const execution = await api.waitForExecution({ workflowId: workflowIds.get('best-of-three.json') }, (e) => e.status === 'success');
    expect(Object.keys(execution.data?.resultData?.runData ?? {})).toEqual(
      expect.arrayContaining(['Coding Request', 'Submit Task', 'Await Result', 'Merge Winner', 'Answer']),
    );
  });

  it('best of three: when no attempt passes verify, merges nothing and answers with the review link and each verify result', async () => {
    const { repo, n8n, api, workflowIds } = stack;
    const mainBefore = await repo.head('main');
    const { status, body } = await post('kage-best-of-three', {
      description: 'write untested.txt containing "untested by {agent}"',
      repositoryPath: repo.path,
      verifyCommand: ['grep', '-q', 'nobody', 'untested.txt'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body).toMatchObject({ outcome: 'not merged', status: 'completed', winnerPassedVerify: false, merge: null });
    expect(body.review).toBe(`${stack.service.url}/ui/tasks/${body.taskId}`);
    expect(body.message).toMatch(/^No attempt passed verify, so the winner \S+ was not merged: it is untested/);
    expect(body.attempts).toHaveLength(3);
    for (const attempt of body.attempts as { verifyPassed: boolean; verifyExitCode: number }[]) expect(attempt).toMatchObject({ verifyPassed: false, verifyExitCode: 1 });
    expect(await repo.head('main')).toBe(mainBefore);
    // The monitor workflow's chat message says so too.
    expect(await chat.waitFor((text) => text.includes(String(body.taskId)))).toMatch(/completed: winner \S+ \(UNTESTED: it did not pass verify\)/);

    const execution = await api.waitForExecution({ workflowId: workflowIds.get('best-of-three.json') }, (e) => e.status === 'success' && Boolean(e.data?.resultData?.runData?.['Answer Not Merged']));
    expect(Object.keys(execution.data?.resultData?.runData ?? {})).not.toContain('Merge Winner');
  });

  it('fire and forget: answers at once with the task id and its progress stream', async () => {
    const { status, body } = await post('kage-fire-and-forget', {
      description: 'write later.txt containing "later by {agent}"',
      repositoryPath: stack.repo.path,
      agent: 'gemini',
    });
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.progressUrl).toBe(`/api/v1/tasks/${body.taskId}/progress`);
    const task = (await (await stack.service.request(`/api/v1/tasks/${body.taskId}`)).json()) as { agents: { agent: string }[] };
    expect(task.agents.map((a) => a.agent)).toEqual(['gemini']);
  });

  it('monitor: posts each finished task to the chat webhook', async () => {
    const { body } = await post('kage-fire-and-forget', {
      description: 'write monitored.txt containing "watched by {agent}"',
      repositoryPath: stack.repo.path,
      agent: 'claude',
    });
    const taskId = String(body.taskId);
    const message = await chat.waitFor((text) => text.includes(taskId));
    expect(message).toMatch(new RegExp(`^Kage Bunshin task ${taskId} completed: winner claude`));
    expect(message).toContain('write monitored.txt');
    const execution = await stack.api.waitForExecution(
      { workflowId: stack.workflowIds.get('monitor-to-chat.json') },
      (e) => e.status === 'success',
    );
    expect(execution.mode).toBe('webhook');

    // n8n's public API returns a workflow's static data: the Trigger keeps no secret there.
    const workflow = await stack.api.publicApi<{ staticData: unknown }>('GET', `/workflows/${stack.workflowIds.get('monitor-to-chat.json')}`);
    const stored = JSON.stringify(workflow.staticData);
    expect(stored).toMatch(/subscriptionId/);
    expect(stored).not.toMatch(/whsec_|secret/i);
  });

  it('conflicts: an attempt that conflicts with the moved target goes to a review branch, the target untouched', async () => {
    const { repo, n8n } = stack;
    const base = await repo.head('main');
    const moved = await repo.commit({ 'README.md': '# moved on while the agent worked\n' }, 'main moves on');
    const { status, body } = await post('kage-merge-or-review', {
      description: 'write README.md containing "rewritten by {agent}"',
      repositoryPath: repo.path,
      baseRef: base,
      targetBranch: 'main',
      verifyCommand: ['grep', '-q', 'rewritten', 'README.md'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body.outcome).toBe('review');
    expect(body.reviewBranch).toMatch(/^kage\//);
    expect(JSON.stringify(body.conflicts)).toContain('README.md');
    expect(await repo.head('main')).toBe(moved);
    expect(await repo.git('show', `${body.reviewBranch}:README.md`)).toContain('rewritten by claude');
  });

  it('review in the browser: posts the review link, waits while a person merges on that page, then posts the merge', async () => {
    const { repo, n8n } = stack;
    const { status } = await post('kage-review-in-browser', {
      description: 'write review.txt containing "reviewed by {agent}"',
      repositoryPath: repo.path,
      verifyCommand: ['grep', '-q', 'reviewed', 'review.txt'],
    });
    expect(status, n8n.logTail()).toBe(200);
    const linkMessage = await chat.waitFor((text) => text.includes('Review and merge:'));
    const reviewLink = /Review and merge: (\S+)$/.exec(linkMessage)?.[1];
    expect(reviewLink).toMatch(new RegExp(`^${stack.service.url}/ui/tasks/[0-9a-f-]{36}$`));
    const execution = await stack.api.waitForExecution({ workflowId: stack.workflowIds.get('review-in-browser.json') }, (e) => e.status === 'waiting');

    // The person: opens the link from the chat, logs in, picks gemini's attempt and merges it.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(reviewLink!);
      await page.getByLabel('API key').fill(TEST_API_KEY);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(reviewLink!);
      await page.locator('#merge-attempt').selectOption('gemini-1');
      await page.getByRole('button', { name: 'Merge', exact: true }).click();
      await expect.poll(() => page.locator('#outcome').textContent()).toContain('Merged gemini-1 into main');
    } finally {
      await browser.close();
    }

    const result = await chat.waitFor((text) => text.includes(' merged: '));
    const head = await repo.head('main');
    expect(result).toMatch(new RegExp(`merged: gemini-1 into main \\(${head.slice(0, 8)}\\)$`));
    expect(await repo.git('show', 'main:review.txt')).toBe('reviewed by gemini');
    const finished = await stack.api.waitForExecution({ workflowId: stack.workflowIds.get('review-in-browser.json') }, (e) => e.id === execution.id && e.status === 'success');
    expect(Object.keys(finished.data?.resultData?.runData ?? {})).toEqual(expect.arrayContaining(['Await Merge', 'Post Merge Result']));
  });

  it('GitHub issue → pull request: imports with every node a type n8n has, wired trigger to comment', async () => {
    const { api, workflowIds } = stack;
    const workflow = await api.publicApi<{ nodes: { name: string; type: string }[]; connections: Record<string, unknown> }>(
      'GET',
      `/workflows/${workflowIds.get('github-issue-to-pull-request.json')}`,
    );
    const known = new Set(await api.nodeTypeNames());
    for (const node of workflow.nodes) expect(known, node.type).toContain(node.type);
    expect(workflow.nodes.map((node) => node.type)).toEqual(
      expect.arrayContaining(['n8n-nodes-base.githubTrigger', 'n8n-nodes-kage-bunshin.kageBunshinSubmitTask', 'n8n-nodes-kage-bunshin.kageBunshinMerge', 'n8n-nodes-base.github']),
    );
    expect(Object.keys(workflow.connections).sort()).toEqual(['Await Result', 'Issue Labelled', 'Labelled kage?', 'Open Pull Request', 'Submit Task', 'Verified or No Verify?']);
  });
});
