/**
 * One shipped workflow with the real `claude` binary (Claude Code from npm) as the agent, talking
 * to the scripted model server instead of Anthropic: no network, no key. The merge-or-review
 * workflow with no conflict and a passing verify takes its "merged" branch: the file claude wrote
 * lands on main.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealClis, startRealClis } from '../support/real-clis.ts';
import type { WorkflowAnswer } from '../support/workflow-answers.ts';
import { startWorkflowStack, type WorkflowStack } from '../support/workflow-stack.ts';

describe('a shipped workflow with the real claude CLI', () => {
  let clis: RealClis;
  let stack: WorkflowStack;

  beforeAll(async () => {
    clis = await startRealClis();
    stack = await startWorkflowStack({ serviceEnv: clis.serviceEnv('claude') });
  });

  afterAll(async () => {
    await stack?.stop();
    await clis?.close();
  });

  it('runs claude on the task and merges what it wrote', async () => {
    const { repo, n8n } = stack;
    const { status, body } = await stack.post<WorkflowAnswer>('kage-merge-or-review', {
      description: 'write kage-claude.txt containing "hello from claude"',
      repositoryPath: repo.path,
      agent: 'claude',
      targetBranch: 'main',
      // The workflow merges only work that passed its verify command.
      verifyCommand: ['grep', '-q', 'hello from claude', 'kage-claude.txt'],
    });
    expect(status, `${JSON.stringify(body)}\n${n8n.logTail()}`).toBe(200);
    expect(body.outcome).toBe('merged');
    expect(await repo.head('main')).toBe(body.commit);
    expect(await repo.git('show', 'main:kage-claude.txt')).toBe('hello from claude');
    expect(clis.models.requests.some((r) => r.path.endsWith('/v1/messages'))).toBe(true);
  });
});
