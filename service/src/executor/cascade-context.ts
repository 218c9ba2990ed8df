/**
 * What a cascade's later tier is told: the task, and the best failing attempt of the tier
 * before (strategies.ts, bestOfTier) — its verify output and its diff against the base commit.
 * Read when the attempt starts, outside any transaction (git runs here, never under the row lock).
 */
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskConfig, TaskRecord } from '../model/task.ts';
import { runGit } from '../git/git-command.ts';
import { bestOfTier } from './strategies.ts';

/** The diff shown is cut at this many characters: a tier's context, not a whole rewrite. */
const MAX_DIFF_CHARS = 20_000;

export async function cascadePrompt(task: TaskRecord, spec: TaskConfig['agents'][number], runs: readonly AttemptRecord[]): Promise<string> {
  const tier = spec.tier ?? 1;
  if (tier <= 1) return spec.prompt;
  const best = bestOfTier(task, runs, tier - 1);
  const verifyCommand = task.config.verify?.command.join(' ') ?? '';
  if (!best) return `${spec.prompt}\n\nEarlier attempts at this task (tier ${tier - 1}) changed nothing and did not pass the verify command \`${verifyCommand}\`.`;
  const verify = best.verify as { exitCode?: number | null; outputTail?: string } | null;
  const diff = best.headCommit ? await patch(task.repositoryPath, task.baseCommit, best.headCommit) : '';
  const shownDiff = diff.length > MAX_DIFF_CHARS ? `${diff.slice(0, MAX_DIFF_CHARS)}\n… (diff cut at ${MAX_DIFF_CHARS} characters)` : diff;
  return [
    spec.prompt,
    '',
    `An earlier attempt at this task (${best.label}, ${best.agent}${best.model ? ` ${best.model}` : ''}, tier ${tier - 1}) did not pass the verify command \`${verifyCommand}\` (exit code ${verify?.exitCode ?? 'none'}). The end of its output:`,
    '',
    '```',
    (verify?.outputTail ?? best.error ?? '').trim(),
    '```',
    '',
    'Its change, as a diff against the base commit (your worktree starts from the base commit, without it):',
    '',
    '```diff',
    shownDiff.trim() || '(no change)',
    '```',
    '',
    'Use what helps, and make the verify command pass.',
  ].join('\n');
}

async function patch(repositoryPath: string, from: string, to: string): Promise<string> {
  // Another machine's attempt (a URL task) may have a commit this one lacks: the prompt says so rather than fail.
  const unreadable = '(the diff could not be read on this machine)';
  try {
    const result = await runGit(repositoryPath, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', from, to, '--'], { okExitCodes: [0, 128], maxOutput: MAX_DIFF_CHARS + 1 });
    return result.exitCode === 0 ? result.stdout : unreadable;
  } catch {
    return unreadable;
  }
}
