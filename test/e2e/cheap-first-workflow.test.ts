/**
 * The example workflow "cheap first, escalate on failing tests" (workflows/cheap-first-escalate.json),
 * imported unchanged into a real n8n with this package installed from its tarball, on a real
 * service: a cascade of Claude Code on a cheap model, then on a strong one. The claude CLI is the
 * scripted stand-in (fixtures/fake-cli-agent.mjs), whose `{model}` shows which tier wrote a file,
 * so the verify command decides which tier passes.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowAnswer } from '../support/workflow-answers.ts';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack.ts';

const fakeAgent = fileURLToPath(new URL('./fixtures/fake-cli-agent.mjs', import.meta.url));
const workflowFile = 'cheap-first-escalate.json';

type CascadeAnswer = WorkflowAnswer & {
  passedTier: number | null;
  tiers: { tier: number; agents: string[]; outcome: string }[];
  totalCostUsd: number | null;
};

describe('the cheap-first cascade workflow in a real n8n', () => {
  let stack: WorkflowStack;
  const post = (body: unknown) => stack.post<CascadeAnswer>('kage-cheap-first', body);
  const taskOf = async (id: string) =>
    (await (await stack.service.request(`/api/v1/tasks/${id}`)).json()) as { strategy: string; agents: { label: string; model: string; status: string; startedAt: string | null; verify: { passed: boolean } | null }[] };

  beforeAll(async () => {
    stack = await startWorkflowStack({ serviceEnv: { KAGE_CLAUDE_BIN: fakeAgent } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the cheap tier passes the tests: it is merged and the strong tier never starts', async () => {
    const { repo, n8n, api, workflowIds } = stack;
    const { status, body } = await post({
      description: 'write notes.txt containing "notes by {model}"',
      repositoryPath: repo.path,
      verifyCommand: ['grep', '-q', 'notes by', 'notes.txt'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body).toMatchObject({ outcome: 'merged', winner: 'claude-1', passedTier: 1, merge: { status: 'merged', targetBranch: 'main' } });
    expect(body.tiers).toEqual([
      { tier: 1, agents: ['claude-1'], outcome: 'passed' },
      { tier: 2, agents: ['claude-2'], outcome: 'not_needed' },
    ]);
    // Claude Code's own report of its cost (the stand-in's $0.01), for one attempt only.
    expect(body.totalCostUsd).toBeCloseTo(0.01, 6);
    expect(await repo.git('show', 'main:notes.txt')).toBe('notes by claude-haiku-4-5');
    const task = await taskOf(body.taskId!);
    expect(task.strategy).toBe('cascade');
    expect(task.agents.map((run) => [run.model, run.startedAt === null])).toEqual([
      ['claude-haiku-4-5', false],
      ['claude-opus-4-1', true],
    ]);
    const execution = await api.waitForExecution({ workflowId: workflowIds.get(workflowFile) }, (e) => e.status === 'success');
    expect(Object.keys(execution.data?.resultData?.runData ?? {})).toEqual(expect.arrayContaining(['Submit Task', 'Await Result', 'Merge Winner', 'Answer']));
  });

  it('the cheap tier fails the tests: the strong tier starts, fixes it and is merged', async () => {
    const { repo, n8n } = stack;
    const { status, body } = await post({
      description: 'write fixed.txt containing "fixed by {model}"',
      repositoryPath: repo.path,
      // Only the strong model's work passes.
      verifyCommand: ['grep', '-q', 'opus', 'fixed.txt'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body).toMatchObject({ outcome: 'merged', winner: 'claude-2', passedTier: 2, merge: { status: 'merged' } });
    expect(body.tiers).toEqual([
      { tier: 1, agents: ['claude-1'], outcome: 'failed' },
      { tier: 2, agents: ['claude-2'], outcome: 'passed' },
    ]);
    expect(body.totalCostUsd).toBeCloseTo(0.02, 6);
    expect(await repo.git('show', 'main:fixed.txt')).toBe('fixed by claude-opus-4-1');
    const task = await taskOf(body.taskId!);
    expect(task.agents.map((run) => [run.model, run.verify?.passed])).toEqual([
      ['claude-haiku-4-5', false],
      ['claude-opus-4-1', true],
    ]);
    const events = (await (await stack.service.request(`/api/v1/tasks/${body.taskId}/events`)).json()) as { items: { type: string }[] };
    expect(events.items.map((event) => event.type).filter((type) => type.startsWith('tier.'))).toEqual(['tier.started', 'tier.failed', 'tier.started']);
  });

  it('no tier passes: nothing is merged and the answer gives the review link', async () => {
    const { repo, n8n } = stack;
    const before = await repo.head('main');
    const { status, body } = await post({
      description: 'write hopeless.txt containing "tried by {model}"',
      repositoryPath: repo.path,
      verifyCommand: ['grep', '-q', 'nobody', 'hopeless.txt'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body).toMatchObject({ outcome: 'not merged', status: 'completed', passedTier: null, review: `${stack.service.url}/ui/tasks/${body.taskId}` });
    expect(body.tiers.map((tier) => tier.outcome)).toEqual(['failed', 'failed']);
    expect(body.message).toMatch(/^No tier passed verify: nothing was merged/);
    expect(await repo.head('main')).toBe(before);
  });
});
