import { describe, expect, it } from 'vitest';
import { aiderAdapter } from '../../../service/src/agents/adapters/aider-adapter.ts';
import { commandAdapter, CommandMissingError } from '../../../service/src/agents/adapters/command-adapter.ts';
import { cursorAdapter } from '../../../service/src/agents/adapters/cursor-adapter.ts';
import { opencodeAdapter } from '../../../service/src/agents/adapters/opencode-adapter.ts';
import { qwenAdapter } from '../../../service/src/agents/adapters/qwen-adapter.ts';
import { acpAdapter } from '../../../service/src/agents/acp/acp-adapter.ts';
import { fixtureLines, parseAll } from './read-fixture.ts';

// Fixtures for aider and cursor are written from the tools' documented formats (see the README in
// test/fixtures/agent-output): those CLIs are not installed here. OpenCode's recorded output
// comes from its real binary (real-cli.test.ts with KAGE_RECORD_AGENT_OUTPUT=1).
describe('aider text parser', () => {
  it('reads edits, the running session cost and tokens', () => {
    const parser = aiderAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('aider-documented-write-file.txt'));
    const usage = progress.filter((item) => item.kind === 'usage');
    expect(usage.map((item) => item.costUsd)).toEqual([0.0083, 0.0124]);
    expect(progress.some((item) => item.kind === 'tool' && item.message === 'Applied edit to kage-aider.txt')).toBe(true);
    expect(parser.finish(0)).toMatchObject({
      succeeded: true,
      costUsd: 0.0124,
      inputTokens: 4800,
      outputTokens: 135,
      finalMessage: 'Done: the file kage-aider.txt now contains the text.',
    });
  });

  it('fails on a non-zero exit', () => {
    const parser = aiderAdapter.createParser();
    parser.parseLine('Error: model not found');
    expect(parser.finish(1)).toMatchObject({ succeeded: false, error: 'Error: model not found' });
  });

  it('builds its argv without auto-commits', () => {
    const invocation = aiderAdapter.invocation({ prompt: 'fix', worktree: '/w', model: 'sonnet', extraArgs: [] }, '/bin/aider');
    expect(invocation.args).toEqual(['--message=fix', '--yes-always', '--no-auto-commits', '--no-pretty', '--no-check-update', '--model', 'sonnet']);
  });
});

describe('opencode json parser', () => {
  it('reads the real opencode 1.18.33: its write, its priced steps, its last words', () => {
    const parser = opencodeAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('opencode-1.18.33-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'tool', 'usage', 'message', 'usage']);
    expect(progress[1]?.message).toMatch(/^write \/.*\/kage-opencode\.txt$/);
    // Two steps of 1,200 input and 80 output tokens at $3 and $15 a million.
    expect(progress[4]?.costUsd).toBeCloseTo(0.0096, 6);
    expect(parser.finish(0)).toMatchObject({ succeeded: true, sessionId: expect.stringMatching(/^ses_/), inputTokens: 2400, outputTokens: 160, finalMessage: 'done' });
  });

  it('sums cost and tokens over steps and keeps the session id (documented output)', () => {
    const parser = opencodeAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('opencode-documented-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'tool', 'usage', 'message', 'usage']);
    expect(progress[1]?.message).toBe('write /tmp/repo/kage-opencode.txt');
    expect(progress[4]?.costUsd).toBeCloseTo(0.0174, 6);
    expect(parser.finish(0)).toMatchObject({
      succeeded: true,
      sessionId: 'ses_494719016ffe85dkDMj0FPRbHK',
      inputTokens: 6700,
      outputTokens: 140,
      finalMessage: 'Created kage-opencode.txt.',
    });
  });

  it('reports an error event even when the exit code is 0', () => {
    const parser = opencodeAdapter.createParser();
    parseAll(parser, fixtureLines('opencode-documented-error.jsonl'));
    expect(parser.finish(0)).toMatchObject({ succeeded: false, error: 'No API key found for provider anthropic' });
  });

  it('grants permissions through OPENCODE_PERMISSION, and resumes with --session', () => {
    const invocation = opencodeAdapter.invocation({ prompt: 'p', worktree: '/w', extraArgs: [] }, '/bin/opencode');
    expect(invocation.args).toEqual(['run', '--format', 'json', '--', 'p']);
    expect(JSON.parse(invocation.env.OPENCODE_PERMISSION ?? '')).toEqual({ '*': 'allow' });
    const resumed = opencodeAdapter.invocation({ prompt: 'fix it', worktree: '/w', extraArgs: [], resume: 'ses_1' }, '/bin/opencode');
    expect(resumed.args).toEqual(['run', '--format', 'json', '--session', 'ses_1', '--', 'fix it']);
  });
});

describe('cursor-agent stream-json parser', () => {
  it('reads the claude-like lines plus tool_call lines, without cost', () => {
    const parser = cursorAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('cursor-documented-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'message', 'tool', 'message', 'result']);
    expect(progress[2]?.message).toBe('write kage-cursor.txt');
    const outcome = parser.finish(0);
    expect(outcome).toMatchObject({ succeeded: true, sessionId: 'c6b62c6f-7ead-4fd6-9922-e952131177ff' });
    expect(outcome.costUsd).toBeUndefined();
  });

  it('names cursor-agent in its errors', () => {
    const parser = cursorAdapter.createParser();
    expect(parser.finish(1).error).toMatch(/^cursor-agent /);
  });

  it('builds the documented argv', () => {
    const invocation = cursorAdapter.invocation({ prompt: 'p', worktree: '/w', extraArgs: [] }, '/bin/cursor-agent');
    expect(invocation.args).toEqual(['-p', '--output-format', 'stream-json', '--force', '--', 'p']);
  });
});

describe('command adapter', () => {
  it('substitutes {prompt} in every argument and reports each line', () => {
    const invocation = commandAdapter.invocation(
      { prompt: 'add tests', worktree: '/w', extraArgs: ['--x'], command: ['my-agent', '--task={prompt}', '{prompt}'] },
      '',
    );
    expect(invocation).toEqual({ file: 'my-agent', args: ['--task=add tests', 'add tests', '--x'], env: {} });
    const parser = commandAdapter.createParser();
    expect(parser.parseLine('  step one  ')).toEqual({ kind: 'text', message: 'step one' });
    expect(parser.parseLine('   ')).toBeUndefined();
    expect(parser.finish(0)).toEqual({ succeeded: true, finalMessage: 'step one', error: undefined });
    expect(parser.finish(4).error).toBe('command exited with code 4');
  });

  it('refuses a missing command', () => {
    expect(() => commandAdapter.invocation({ prompt: 'p', worktree: '/w', extraArgs: [] }, '')).toThrow(CommandMissingError);
  });
});

describe('qwen stream-json parser', () => {
  it('reads the real qwen 0.24.4: Claude-like lines, its write, tokens priced by the price table', () => {
    const parser = qwenAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('qwen-0.24.4-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'tool', 'message', 'result']);
    expect(progress[1]?.message).toMatch(/^write_file .*kage-qwen\.txt/);
    // Two turns of 1,200 input and 80 output tokens at qwen3-coder-plus prices ($1 and $5 a million).
    expect(progress[3]?.costUsd).toBeCloseTo(0.0032, 6);
    expect(parser.finish(0)).toMatchObject({ succeeded: true, sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/), inputTokens: 2400, outputTokens: 160, costUsd: 0.0032, finalMessage: 'done' });
  });

  it('gives the prompt as one --prompt= argument (a positional after -- is ignored), and resumes with --resume', () => {
    const invocation = qwenAdapter.invocation({ prompt: '-x', worktree: '/w', extraArgs: [], resume: 'abc' }, '/bin/qwen');
    expect(invocation.args).toEqual(['--output-format', 'stream-json', '--approval-mode', 'yolo', '--resume', 'abc', '--prompt=-x']);
    expect(qwenAdapter.invocation({ prompt: 'p', worktree: '/w', extraArgs: [], readOnly: true }, '/bin/qwen').args).toContain('plan');
  });
});

describe('acp bridge parser', () => {
  it('reads what the bridge printed driving the real gemini --acp: session, permission, tool call, message', () => {
    const parser = acpAdapter.createParser();
    const progress = parseAll(parser, fixtureLines('acp-gemini-0.61.0-write-file.jsonl'));
    expect(progress.map((item) => item.kind)).toEqual(['init', 'permission', 'message']);
    expect(progress[1]?.message).toBe('allowed Writing to kage-acp.txt: edit inside the worktree');
    expect(parser.finish(0)).toMatchObject({ succeeded: true, sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/), finalMessage: 'done' });
  });

  it('fails a turn that did not end normally, and one without a result', () => {
    const cancelled = acpAdapter.createParser();
    cancelled.parseLine(JSON.stringify({ type: 'result', stopReason: 'cancelled', usage: null }));
    expect(cancelled.finish(0)).toMatchObject({ succeeded: false, error: 'the agent ended its turn with cancelled' });
    expect(acpAdapter.createParser().finish(1)).toMatchObject({ succeeded: false, error: 'the ACP agent ended without a result (exit code 1)' });
  });

  it('runs the agent under the bridge, with its argv after --, and is told to cancel on stdin', () => {
    const invocation = acpAdapter.invocation({ prompt: 'fix', worktree: '/w', extraArgs: ['--debug'], command: ['gemini', '--acp'] }, '');
    expect(invocation.file).toBe(process.execPath);
    expect(invocation.args.slice(1)).toEqual(['--cwd', '/w', '--prompt', 'fix', '--', 'gemini', '--acp', '--debug']);
    expect(invocation.args[0]).toMatch(/acp-bridge\.ts$/);
    expect(invocation.cancelInput).toBe('cancel\n');
  });
});
