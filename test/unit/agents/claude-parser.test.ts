import { describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../../service/src/agents/adapters/claude-adapter.ts';
import { fixtureLines, parseAll } from './read-fixture.ts';

describe('Claude Code stream-json parser (recorded from claude 2.1.197)', () => {
  it('reads session, tool call, cost and final message from a successful run', () => {
    const parser = claudeAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('claude-2.1.197-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'tool', 'message', 'result']);
    expect(progress[1]?.message).toMatch(/^Write \/tmp\/.*\/kage-claude\.txt$/);
    expect(progress[2]?.message).toBe('done');
    expect(progress[3]?.costUsd).toBeGreaterThan(0);
    const outcome = parser.finish(0);
    expect(outcome).toMatchObject({ succeeded: true, finalMessage: 'done', inputTokens: 2400, outputTokens: 160 });
    expect(outcome.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.costUsd).toBeGreaterThan(0);
    expect(outcome.error).toBeUndefined();
  });

  it('reports the budget stop', () => {
    const parser = claudeAdapter.createParser();
    parseAll(parser, fixtureLines('claude-2.1.197-budget-exceeded.jsonl'));
    const outcome = parser.finish(1);
    expect(outcome.succeeded).toBe(false);
    expect(outcome.error).toContain('--max-budget-usd');
    expect(outcome.costUsd).toBeGreaterThan(0);
  });

  it('reports an API error that Claude Code marks is_error on a "success" result', () => {
    const parser = claudeAdapter.createParser();
    parseAll(parser, fixtureLines('claude-2.1.197-api-error.jsonl'));
    const outcome = parser.finish(1);
    expect(outcome.succeeded).toBe(false);
    expect(outcome.error).toContain('API Error: 400');
  });

  it('does not call a result line "success" when Claude Code marks it is_error (e.g. not logged in)', () => {
    const parser = claudeAdapter.createParser();
    const line = JSON.stringify({ type: 'result', subtype: 'success', is_error: true, num_turns: 1, total_cost_usd: 0, result: 'Not logged in · Please run /login' });
    const progress = parser.parseLine(line);
    expect(progress).toMatchObject({ kind: 'error' });
    expect(progress!.message).toMatch(/^error: Not logged in/);
    expect(progress!.message).not.toMatch(/success/);
  });

  it('is not successful when the process failed after a success line, or gave no result', () => {
    const parser = claudeAdapter.createParser();
    parseAll(parser, fixtureLines('claude-2.1.197-write-file.jsonl'));
    expect(parser.finish(2)).toMatchObject({ succeeded: false, error: 'claude exited with code 2' });

    const empty = claudeAdapter.createParser();
    parseAll(empty, fixtureLines('claude-2.1.197-write-file.jsonl').slice(0, 2));
    const outcome = empty.finish(null);
    expect(outcome.succeeded).toBe(false);
    expect(outcome.sessionId).toBeDefined();
    expect(outcome.error).toContain('without a result line');
  });

  it('skips unknown and malformed lines without throwing', () => {
    const parser = claudeAdapter.createParser();
    expect(parser.parseLine('{"type":"stream_event","event":{}}')).toBeUndefined();
    expect(parser.parseLine('{"type":"assistant","message":42}')).toBeUndefined();
    expect(parser.parseLine('{"type":"result"')).toMatchObject({ kind: 'text' });
    expect(parser.parseLine('')).toBeUndefined();
    expect(parser.parseLine('plain words')).toEqual({ kind: 'text', message: 'plain words' });
  });

  it('builds the documented argv with the prompt after --', () => {
    const invocation = claudeAdapter.invocation(
      { prompt: '-fix it', worktree: '/w', model: 'sonnet', extraArgs: ['--max-turns', '5'], budgetUsd: 1.5 },
      '/bin/claude',
    );
    expect(invocation.file).toBe('/bin/claude');
    expect(invocation.args).toEqual([
      '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits',
      '--model', 'sonnet', '--max-budget-usd', '1.5', '--max-turns', '5', '--', '-fix it',
    ]);
    expect(invocation.args).not.toContain('--dangerously-skip-permissions');
  });
});
