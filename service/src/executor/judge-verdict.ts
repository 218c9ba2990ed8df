/**
 * The judge's part of the ranking, without running anything: which attempts it judges, what it
 * is asked, and how its answer is read. Tests first, judge second: with `when: "ties"` the judge
 * orders only the attempts that tie on verify (all passed, or none did); `always` orders every
 * attempt whose agent succeeded.
 */
import { z } from 'zod';
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';

/** What the judge answered, or why it could not: the ranking then falls back to the rest of the key. */
export interface Judgement {
  agent: string;
  candidates: string[];
  /** Labels best first; empty when the judge failed. */
  order: string[];
  verdicts: Array<{ label: string; confidence: number; reason: string }>;
  error: string | null;
  costUsd: number | null;
}

/** The attempts the judge must order, or none when there is nothing to decide (fewer than two). */
export function judgeCandidates(task: TaskRecord, runs: readonly AttemptRecord[]): string[] {
  const succeeded = runs.filter((run) => run.status === 'succeeded');
  if (!task.config.judge || succeeded.length < 2) return [];
  if (task.config.judge.when === 'always' || !task.config.verify) return succeeded.map((run) => run.label);
  const passed = succeeded.filter((run) => (run.verify as { passed?: boolean } | null)?.passed === true);
  const tied = passed.length > 0 ? passed : succeeded;
  return tied.length >= 2 ? tied.map((run) => run.label) : [];
}

export interface Candidate {
  label: string;
  diff: string;
  verify: { passed: boolean; outputTail: string } | null;
  finalMessage: string | null;
}

const DIFF_CHARS = 20_000;

/** The judge's prompt: the task, each candidate's diff, verify result and final message, and the answer's shape. */
export function judgePrompt(description: string, candidates: readonly Candidate[]): string {
  const parts = candidates.map((candidate) =>
    [
      `## Candidate ${candidate.label}`,
      `Verify: ${candidate.verify ? (candidate.verify.passed ? 'passed' : `failed\n${candidate.verify.outputTail.slice(-1500)}`) : 'not run'}`,
      `Final message: ${(candidate.finalMessage ?? '(none)').slice(0, 2000)}`,
      'Diff:',
      '```diff',
      candidate.diff.length > DIFF_CHARS ? `${candidate.diff.slice(0, DIFF_CHARS)}\n… (diff cut at ${DIFF_CHARS} characters)` : candidate.diff,
      '```',
    ].join('\n'),
  );
  return [
    'You are the judge of several attempts at one coding task. Do not change any file; read and compare.',
    `# The task\n${description}`,
    ...parts,
    '# Your answer',
    'Answer with a JSON verdict and nothing else:',
    `{"order": [the candidate labels, best first], "verdicts": [{"label": "…", "confidence": a number from 0 to 1, "reason": "one sentence"}]}`,
    `The candidates are: ${candidates.map((candidate) => candidate.label).join(', ')}.`,
  ].join('\n\n');
}

const Verdict = z.object({
  order: z.array(z.string()).min(1),
  verdicts: z.array(z.object({ label: z.string(), confidence: z.number().min(0).max(1), reason: z.string().max(2000) })),
});

/** Reads the verdict from the judge's final message (JSON, possibly in a code block); throws saying what is wrong. */
export function readVerdict(text: string, candidates: readonly string[]): Pick<Judgement, 'order' | 'verdicts'> {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end < start) throw new Error('the judge answered no JSON verdict');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    throw new Error('the judge answered malformed JSON');
  }
  const verdict = Verdict.safeParse(parsed);
  if (!verdict.success) throw new Error(`the judge's verdict is not valid: ${verdict.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const order = verdict.data.order;
  if (order.length !== candidates.length || candidates.some((label) => !order.includes(label))) {
    throw new Error(`the judge's order must name each candidate once (${candidates.join(', ')}), not ${order.join(', ')}`);
  }
  return { order, verdicts: verdict.data.verdicts.filter((entry) => candidates.includes(entry.label)) };
}
