import { describe, expect, it } from 'vitest';
import { type AttemptFacts, rankAttempts } from '../../../service/src/executor/scoring.ts';

const attempt = (label: string, overrides: Partial<AttemptFacts> = {}): AttemptFacts => ({
  label,
  position: 0,
  succeeded: true,
  verifyConfigured: true,
  verifyPassed: true,
  protectedChanged: [],
  filesChanged: 1,
  insertions: 10,
  deletions: 0,
  costUsd: 0.1,
  durationMs: 1000,
  rounds: 1,
  ...overrides,
});

describe('rankAttempts', () => {
  it('ranks an attempt that changed protected files below every other, whatever its verify, and says why', () => {
    const ranking = rankAttempts([
      attempt('deleted-the-test', { protectedChanged: ['test_calc.py'], insertions: 0, deletions: 9, costUsd: 0 }),
      attempt('wrong-fix', { verifyPassed: false, position: 1 }),
      attempt('right-fix', { position: 2, insertions: 40 }),
    ]);
    expect(ranking.winner).toBe('right-fix');
    expect(ranking.scores.get('deleted-the-test')!.rank).toBe(3);
    expect(ranking.scores.get('deleted-the-test')!.reasons[0]).toMatch(/changed protected files \(test_calc.py\).*ranks below every attempt/);
  });

  it('puts a passing verify above everything else', () => {
    const ranking = rankAttempts([
      attempt('cheap-but-failing', { verifyPassed: false, costUsd: 0, insertions: 1, position: 0 }),
      attempt('passing', { position: 1, insertions: 500, costUsd: 3 }),
    ]);
    expect(ranking.winner).toBe('passing');
    expect(ranking.scores.get('cheap-but-failing')!.reasons).toContain('verify failed or did not run');
  });

  it('prefers a pass in an earlier verify-and-fix round only where all else is equal', () => {
    const ranking = rankAttempts([attempt('third-round', { rounds: 3, position: 0 }), attempt('first-round', { rounds: 1, position: 1 })]);
    expect(ranking.winner).toBe('first-round');
    expect(ranking.scores.get('third-round')!.reasons).toContain('verify passed in round 3');
    const cheaper = rankAttempts([attempt('third-round', { rounds: 3, costUsd: 0.01 }), attempt('first-round', { rounds: 1, position: 1 })]);
    expect(cheaper.winner).toBe('third-round');
  });

  it('then agent success, then having changed something', () => {
    const ranking = rankAttempts([
      attempt('failed', { succeeded: false, position: 0 }),
      attempt('did-nothing', { filesChanged: 0, insertions: 0, position: 1 }),
      attempt('changed', { position: 2 }),
    ]);
    expect([...ranking.scores.entries()].sort((a, b) => a[1].rank - b[1].rank).map(([label]) => label)).toEqual([
      'changed',
      'did-nothing',
      'failed',
    ]);
  });

  it('breaks ties by smaller diff, then lower cost, then shorter time, then request order', () => {
    expect(rankAttempts([attempt('big', { insertions: 50 }), attempt('small', { insertions: 5, position: 1 })]).winner).toBe('small');
    expect(rankAttempts([attempt('dear', { costUsd: 1 }), attempt('cheap', { costUsd: 0.5, position: 1 })]).winner).toBe('cheap');
    expect(rankAttempts([attempt('slow', { durationMs: 9000 }), attempt('fast', { durationMs: 100, position: 1 })]).winner).toBe('fast');
    expect(rankAttempts([attempt('first'), attempt('second', { position: 1 })]).winner).toBe('first');
  });

  it('has no winner when no agent succeeded, even if one passed verify', () => {
    const ranking = rankAttempts([attempt('a', { succeeded: false }), attempt('b', { succeeded: false, verifyPassed: false, position: 1 })]);
    expect(ranking.winner).toBeNull();
    expect(ranking.scores.get('a')!.rank).toBe(1);
  });

  it('ranks without verify when none is configured, and explains the winner', () => {
    const ranking = rankAttempts([attempt('x', { verifyConfigured: false, verifyPassed: undefined })]);
    expect(ranking.winner).toBe('x');
    expect(ranking.scores.get('x')!.reasons.at(-1)).toMatch(/winner/);
    expect(ranking.scores.get('x')!.reasons).not.toContain('verify passed');
  });
});
