import { describe, expect, it } from 'vitest';
import { geminiAdapter } from '../../../service/src/agents/adapters/gemini-adapter.ts';
import { fixtureLines, parseAll } from './read-fixture.ts';

describe('Gemini CLI stream-json parser (recorded from gemini 0.61.0)', () => {
  it('reads session, tool call, tokens and the final reply', () => {
    const parser = geminiAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('gemini-0.61.0-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'tool', 'message', 'result']);
    expect(progress[1]?.message).toMatch(/^write_file \/tmp\/.*kage-gemini\.txt$/);
    expect(progress[3]?.costUsd).toBeGreaterThan(0);
    const outcome = parser.finish(0);
    expect(outcome).toMatchObject({ succeeded: true, finalMessage: 'done', inputTokens: 3600, outputTokens: 240 });
    expect(outcome.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports an API error from the result line', () => {
    const parser = geminiAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('gemini-0.61.0-api-error.jsonl'));
    expect(progress.at(-1)?.kind).toBe('result');
    const outcome = parser.finish(144);
    expect(outcome.succeeded).toBe(false);
    expect(outcome.error).toContain('scripted failure');
  });

  it('explains exit code 53 as the turn limit even after a success line', () => {
    const parser = geminiAdapter.createParser();
    parseAll(parser, fixtureLines('gemini-0.61.0-write-file.jsonl'));
    expect(parser.finish(53)).toMatchObject({ succeeded: false, error: 'gemini stopped: the session turn limit was reached' });
  });

  it('joins assistant deltas into one final message', () => {
    const parser = geminiAdapter.createParser();
    parser.parseLine('{"type":"message","role":"assistant","content":"Hello ","delta":true}');
    parser.parseLine('{"type":"message","role":"assistant","content":"world","delta":true}');
    parser.parseLine('{"type":"result","status":"success","stats":{"input_tokens":1,"output_tokens":2}}');
    expect(parser.finish(0)).toMatchObject({ succeeded: true, finalMessage: 'Hello world' });
  });

  it('builds the documented argv with --prompt= so a leading dash is safe', () => {
    const invocation = geminiAdapter.invocation({ prompt: '-x', worktree: '/w', model: 'gemini-2.5-pro', extraArgs: [] }, '/bin/gemini');
    expect(invocation.args).toEqual(['--prompt=-x', '--output-format', 'stream-json', '--approval-mode', 'auto_edit', '-m', 'gemini-2.5-pro']);
  });
});
