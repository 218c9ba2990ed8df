/**
 * Picks the winner among a task's attempts with a deterministic ranking. Each attempt gets a
 * key compared left to right (smaller is better):
 *   0. protected files (verify.protect): left alone (0), changed (1): a cheat never wins on its verify
 *   1. verify: passed (0), not configured (1), failed or not run (2)
 *   2. the judge's order among the attempts it judged (tests first, judge second; 0 when not judged)
 *   3. agent: succeeded (0), otherwise (1)
 *   4. changes: made some (0), changed nothing (1) — an attempt that did nothing cannot win on "smallest diff"
 *   5. diff size: insertions + deletions
 *   6. cost in USD (unknown counts as 0)
 *   7. duration in ms
 *   8. verify-and-fix rounds used: a pass in round 1 beats a pass in round 3 where all else is equal
 *   9. position in the request (stable final tie-break)
 * Only an attempt whose agent succeeded may win; the reasons explain each attempt's place.
 */
export interface AttemptFacts {
  label: string;
  position: number;
  succeeded: boolean;
  /** undefined: no verify command configured. */
  verifyPassed: boolean | undefined;
  verifyConfigured: boolean;
  /** Protected files the attempt changed (verify ran with the base commit's). */
  protectedChanged: readonly string[];
  filesChanged: number;
  insertions: number;
  deletions: number;
  costUsd: number | null;
  durationMs: number;
  /** The verify-and-fix rounds the attempt ran (1 without a verify command). */
  rounds: number;
  /** The judge's verdict on this attempt, when it judged it: its place (0 best) and why. */
  judged?: { place: number; confidence: number | undefined; reason: string | undefined } | undefined;
  /** Why the judge gave no verdict, when it failed. */
  judgeError?: string | undefined;
}

export interface AttemptScore {
  rank: number;
  key: number[];
  reasons: string[];
}

export interface Ranking {
  winner: string | null;
  scores: Map<string, AttemptScore>;
}

export function rankAttempts(attempts: readonly AttemptFacts[]): Ranking {
  const keyed = attempts.map((attempt) => ({ attempt, key: rankingKey(attempt) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  const scores = new Map<string, AttemptScore>();
  keyed.forEach(({ attempt, key }, index) => {
    scores.set(attempt.label, { rank: index + 1, key, reasons: reasonsFor(attempt, index === 0 && attempt.succeeded) });
  });
  const best = keyed[0]?.attempt;
  return { winner: best?.succeeded ? best.label : null, scores };
}

function rankingKey(attempt: AttemptFacts): number[] {
  const verify = !attempt.verifyConfigured ? 1 : attempt.verifyPassed ? 0 : 2;
  return [
    attempt.protectedChanged.length > 0 ? 1 : 0,
    verify,
    attempt.judged?.place ?? 0,
    attempt.succeeded ? 0 : 1,
    attempt.filesChanged > 0 ? 0 : 1,
    attempt.insertions + attempt.deletions,
    round(attempt.costUsd ?? 0),
    attempt.durationMs,
    attempt.rounds,
    attempt.position,
  ];
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const difference = a[i]! - b[i]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

function reasonsFor(attempt: AttemptFacts, won: boolean): string[] {
  const reasons: string[] = [];
  const inRound = attempt.rounds > 1 ? ` in round ${attempt.rounds}` : '';
  if (attempt.protectedChanged.length > 0) {
    reasons.push(`changed protected files (${attempt.protectedChanged.join(', ')}): verify ran them as the base commit has them, and it ranks below every attempt that left them alone`);
  }
  if (attempt.verifyConfigured) reasons.push(attempt.verifyPassed ? `verify passed${inRound}` : `verify failed or did not run${inRound}`);
  if (attempt.judged) {
    const confidence = attempt.judged.confidence === undefined ? '' : ` (confidence ${attempt.judged.confidence.toFixed(2)})`;
    reasons.push(`judge placed it #${attempt.judged.place + 1}${confidence}${attempt.judged.reason ? `: ${attempt.judged.reason}` : ''}`);
  }
  if (attempt.judgeError) reasons.push(`judge gave no verdict (${attempt.judgeError}); ranked without it`);
  reasons.push(attempt.succeeded ? 'agent succeeded' : 'agent failed');
  reasons.push(
    attempt.filesChanged > 0
      ? `changed ${attempt.filesChanged} file(s), +${attempt.insertions}/-${attempt.deletions}`
      : 'changed nothing',
  );
  reasons.push(attempt.costUsd === null ? 'cost unknown' : `cost $${attempt.costUsd.toFixed(4)}`);
  reasons.push(`took ${(attempt.durationMs / 1000).toFixed(1)} s`);
  if (won) reasons.push('winner: best on the ranking above');
  return reasons;
}

// Cost differences below a hundredth of a cent are noise, not a reason to prefer an attempt.
function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
