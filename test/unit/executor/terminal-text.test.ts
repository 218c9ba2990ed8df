/**
 * Setup and verify output is kept as plain text: test runners' colour codes, cursor moves, hyperlinks and
 * progress redraws never reach the stored tail, the error lines or the next agent's prompt.
 * The samples are as vitest 5 and pytest 9 print them with colour on (pytest's source lines highlighted).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../service/src/model/task.ts';
import { verifyAttempt } from '../../../service/src/executor/attempt-verify.ts';
import { ErrorLines } from '../../../service/src/executor/error-lines.ts';
import { plainText } from '../../../service/src/executor/terminal-text.ts';

const vitestOutput = [
  '\x1b[?25l \x1b[32m✓\x1b[39m test/sum.test.ts \x1b[2m(\x1b[22m\x1b[2m1 test\x1b[22m\x1b[2m)\x1b[22m\x1b[90m 2\x1b[2mms\x1b[22m\x1b[39m',
  ' \x1b[31m❯\x1b[39m test/div.test.ts \x1b[2m(\x1b[22m\x1b[2m1 test\x1b[22m\x1b[2m | \x1b[22m\x1b[31m1 failed\x1b[39m\x1b[2m)\x1b[22m',
  '\x1b[41m\x1b[1m FAIL \x1b[22m\x1b[49m test/div.test.ts\x1b[2m > \x1b[22mdivides',
  '\x1b[31m\x1b[1mAssertionError\x1b[22m: expected 2 to be 3 // Object.is equality\x1b[39m',
  '\x1b[2m Test Files \x1b[22m \x1b[1m\x1b[31m1 failed\x1b[39m\x1b[22m\x1b[2m | \x1b[22m\x1b[1m\x1b[32m1 passed\x1b[39m\x1b[22m\x1b[90m (2)\x1b[39m\x1b[?25h',
  '',
].join('\n');

const pytestOutput = [
  '\x1b[1m============================= test session starts ==============================\x1b[0m',
  'tests/test_sum.py \x1b[31mF\x1b[0m\x1b[32m.\x1b[0m\x1b[31m                                   [100%]\x1b[0m',
  '>       \x1b[94massert\x1b[39;49;00m sum(\x1b[94m1\x1b[39;49;00m, \x1b[94m1\x1b[39;49;00m) == \x1b[94m3\x1b[39;49;00m\x1b[90m\x1b[39;49;00m',
  '\x1b[1m\x1b[31mE       assert 2 == 3\x1b[0m',
  '\x1b[31mFAILED\x1b[0m tests/test_sum.py::\x1b[1mtest_sum\x1b[0m - assert 2 == 3',
  '\x1b[31m========================= \x1b[31m\x1b[1m1 failed\x1b[0m, \x1b[32m1 passed\x1b[0m\x1b[31m in 0.03s\x1b[0m\x1b[31m ==========================\x1b[0m',
  '',
].join('\n');

describe('plain terminal text', () => {
  it("strips vitest's colours, cursor hiding and badges, leaving the text as a terminal shows it", () => {
    expect(plainText(vitestOutput)).toBe(
      [
        ' ✓ test/sum.test.ts (1 test) 2ms',
        ' ❯ test/div.test.ts (1 test | 1 failed)',
        ' FAIL  test/div.test.ts > divides',
        'AssertionError: expected 2 to be 3 // Object.is equality',
        ' Test Files  1 failed | 1 passed (2)',
        '',
      ].join('\n'),
    );
  });

  it("strips pytest's colours", () => {
    expect(plainText(pytestOutput)).toBe(
      [
        '============================= test session starts ==============================',
        'tests/test_sum.py F.                                   [100%]',
        '>       assert sum(1, 1) == 3',
        'E       assert 2 == 3',
        'FAILED tests/test_sum.py::test_sum - assert 2 == 3',
        '========================= 1 failed, 1 passed in 0.03s ==========================',
        '',
      ].join('\n'),
    );
  });

  it('keeps the text of an OSC hyperlink (ended by BEL or by ESC \\) and drops a window title', () => {
    expect(plainText('see \x1b]8;;file:///repo/src/sum.ts\x07src/sum.ts:3\x1b]8;;\x07 and \x1b]8;id=1;https://vitest.dev\x1b\\the docs\x1b]8;;\x1b\\')).toBe(
      'see src/sum.ts:3 and the docs',
    );
    expect(plainText('\x1b]0;npm test\x07> project@1.0.0 test')).toBe('> project@1.0.0 test');
  });

  it('keeps the last drawing of a progress line redrawn after \\r, and Windows line ends as line ends', () => {
    expect(plainText('Collecting 10%\r\x1b[2KCollecting 55%\r\x1b[2KCollecting 100%\ndone\r\n')).toBe('Collecting 100%\ndone\n');
    expect(plainText('Building 100%\r\nnext')).toBe('Building 100%\nnext');
  });

  it('drops lone ESC sequences, cursor moves and an ESC cut off at the end', () => {
    expect(plainText('\x1b7\x1b(Bsaved\x1b8\x1b[1A\x1b[2K\x1b[10;20Hmoved\x1b=\x1b')).toBe('savedmoved');
  });

  it('leaves plain text as it is', () => {
    const text = 'src/a.ts(3,7): error TS2322: Type [string] is not assignable\n\ttab\n';
    expect(plainText(text)).toBe(text);
  });
});

describe('error lines of coloured output', () => {
  it('finds a coloured error line (a colour code glued to the word hid it) and keeps it plain, even split mid-code across chunks', () => {
    const errors = new ErrorLines();
    errors.push('\x1b[32m✓\x1b[39m ok\n\x1b[3');
    errors.push('1merror\x1b[39m TS2322: Type string is not assignable\n');
    errors.push(pytestOutput);
    expect(errors.end()).toEqual(['error TS2322: Type string is not assignable', 'FAILED tests/test_sum.py::test_sum - assert 2 == 3', '========================= 1 failed, 1 passed in 0.03s ==========================']);
  });
});

describe('a verify round', () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('stores a coloured verify output and its error lines as plain text', async () => {
    const worktree = await mkdtemp(join(tmpdir(), 'kage-verify-'));
    made.push(worktree);
    const printVitest = `process.stdout.write(${JSON.stringify(vitestOutput)}); process.exit(1)`;
    const task = {
      id: '00000000-0000-4000-8000-000000000001',
      repositoryPath: worktree,
      baseCommit: 'base',
      config: { verify: { command: [process.execPath, '-e', printVitest], timeoutSeconds: 30, protect: [] } },
    } as unknown as TaskRecord;
    const round = await verifyAttempt(task, { label: 'command-1', worktree, headCommit: 'head', round: 1 }, { sandbox: undefined, signal: new AbortController().signal, instanceTag: 'unit' });
    expect(round).toMatchObject({ passed: false, exitCode: 1, round: 1 });
    expect(round.outputTail).toBe(plainText(vitestOutput));
    expect(round.outputTail).not.toContain('\x1b');
    expect(round.errorLines).toEqual(['❯ test/div.test.ts (1 test | 1 failed)', 'Test Files  1 failed | 1 passed (2)']);
  });
});
