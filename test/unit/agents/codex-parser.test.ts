import { describe, expect, it } from 'vitest';
import { codexAdapter } from '../../../service/src/agents/adapters/codex-adapter.ts';
import { fixtureLines, parseAll } from './read-fixture.ts';

describe('Codex exec --json parser (recorded from codex 0.169.0)', () => {
  it('reads thread id, file change, usage and final message', () => {
    const parser = codexAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('codex-0.169.0-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'tool', 'message', 'usage']);
    expect(progress[1]?.message).toMatch(/^files: add \/tmp\/.*kage-codex\.txt$/);
    const usage = progress[3];
    expect(usage?.costUsd).toBeGreaterThan(0);
    const outcome = parser.finish(0);
    expect(outcome).toMatchObject({ succeeded: true, finalMessage: 'done', inputTokens: 2400, outputTokens: 160 });
    expect(outcome.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.costUsd).toBeUndefined();
  });

  it('prices the running cost with the requested model', () => {
    const cheap = codexAdapter.createParser({ model: 'gpt-5-nano' });
    const dear = codexAdapter.createParser({ model: 'gpt-5' });
    const lines = fixtureLines('codex-0.169.0-write-file.jsonl');
    const cheapCost = parseAll(cheap, lines).at(-1)?.costUsd ?? 0;
    const dearCost = parseAll(dear, lines).at(-1)?.costUsd ?? 0;
    expect(cheapCost).toBeGreaterThan(0);
    expect(dearCost).toBeGreaterThan(cheapCost);
  });

  it('shows commands it ran', () => {
    const parser = codexAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('codex-0.169.0-command-execution.jsonl'));
    const tools = progress.filter((item) => item.kind === 'tool').map((item) => item.message);
    expect(tools).toHaveLength(2);
    expect(tools[1]).toMatch(/^\$ .*kage-codex\.txt.*→ exit 0$/);
    expect(progress.some((item) => item.kind === 'error' && item.message.includes('Model metadata'))).toBe(true);
    expect(parser.finish(0).succeeded).toBe(true);
  });

  it('reports a failed turn with its message', () => {
    const parser = codexAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('codex-0.169.0-server-error.jsonl'));
    expect(progress.filter((item) => item.kind === 'error').length).toBeGreaterThanOrEqual(6);
    const outcome = parser.finish(1);
    expect(outcome.succeeded).toBe(false);
    expect(outcome.error).toContain('high demand');
  });

  it('is not successful on exit 0 without a completed turn', () => {
    const parser = codexAdapter.createParser();
    parser.parseLine('{"type":"thread.started","thread_id":"t1"}');
    expect(parser.finish(0)).toMatchObject({ succeeded: false, sessionId: 't1' });
  });

  it('builds the documented argv: no --full-auto, worktree as -C, prompt after --', () => {
    const invocation = codexAdapter.invocation({ prompt: 'do it', worktree: '/w/t', model: 'gpt-5', extraArgs: ['-c', 'x=1'] }, '/bin/codex');
    expect(invocation.args).toEqual(['exec', '--json', '--skip-git-repo-check', '-s', 'workspace-write', '-C', '/w/t', '-m', 'gpt-5', '-c', 'x=1', '--', 'do it']);
    expect(invocation.args).not.toContain('--full-auto');
  });
});
