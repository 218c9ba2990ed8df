import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../../service/src/model/attempt.ts';
import type { TaskRecord } from '../../../service/src/model/task.ts';
import { judgeCandidates, judgePrompt, readVerdict } from '../../../service/src/executor/judge-verdict.ts';

const task = (judge: 'ties' | 'always' | undefined, verify = true) =>
  ({ config: { agents: [], requestHash: '', ...(judge ? { judge: { agent: 'claude', when: judge, timeoutSeconds: 60 } } : {}), ...(verify ? { verify: { command: ['t'], timeoutSeconds: 60 } } : {}) } }) as unknown as TaskRecord;
const run = (label: string, status: string, passed?: boolean) => ({ label, status, verify: passed === undefined ? null : { passed } }) as unknown as AttemptRecord;

describe('the judge verdict', () => {
  it('judges the attempts tied on verify, or every succeeded one with always, and none alone', () => {
    const runs = [run('a', 'succeeded', true), run('b', 'succeeded', true), run('c', 'succeeded', false), run('d', 'failed', true)];
    expect(judgeCandidates(task('ties'), runs)).toEqual(['a', 'b']);
    expect(judgeCandidates(task('always'), runs)).toEqual(['a', 'b', 'c']);
    expect(judgeCandidates(task('ties'), [run('a', 'succeeded', true), run('c', 'succeeded', false)])).toEqual([]);
    expect(judgeCandidates(task('ties'), [run('a', 'succeeded', false), run('c', 'succeeded', false)])).toEqual(['a', 'c']);
    expect(judgeCandidates(task(undefined), runs)).toEqual([]);
  });

  it('reads a verdict in prose or a code block, and refuses one that does not name each candidate once', () => {
    const answer = 'Here it is:\n```json\n{"order": ["b", "a"], "verdicts": [{"label": "b", "confidence": 0.8, "reason": "tests"}]}\n```';
    expect(readVerdict(answer, ['a', 'b'])).toEqual({ order: ['b', 'a'], verdicts: [{ label: 'b', confidence: 0.8, reason: 'tests' }] });
    expect(() => readVerdict('b is best', ['a', 'b'])).toThrow('no JSON verdict');
    expect(() => readVerdict('{"order": ["b", } ', ['a', 'b'])).toThrow('malformed JSON');
    expect(() => readVerdict('{"order": ["b"], "verdicts": []}', ['a', 'b'])).toThrow('name each candidate once');
    expect(() => readVerdict('{"order": ["b", "a"], "verdicts": [{"label": "b", "confidence": 7, "reason": ""}]}', ['a', 'b'])).toThrow('verdicts.0.confidence');
  });

  it("cuts a long diff and lists the candidates the answer must order", () => {
    const prompt = judgePrompt('Fix it', [{ label: 'a', diff: 'x'.repeat(30_000), verify: { passed: true, outputTail: '' }, finalMessage: 'done' }]);
    expect(prompt).toContain('(diff cut at 20000 characters)');
    expect(prompt).toContain('The candidates are: a.');
  });
});
