import { execa } from 'execa';

export interface VerifyResult {
  passed: boolean;
  exitCode: number | null;
  durationMs: number;
  outputTail: string;
  timedOut: boolean;
}

const OUTPUT_TAIL_BYTES = 4000;

/** Runs the task's verify command (the project's own tests) in one attempt's worktree. */
export async function runVerify(
  command: readonly string[],
  worktree: string,
  options: { timeoutSeconds: number; signal: AbortSignal },
): Promise<VerifyResult> {
  const [file, ...args] = command;
  const started = performance.now();
  const result = await execa(file!, args, {
    cwd: worktree,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: options.timeoutSeconds * 1000,
    cancelSignal: options.signal,
    forceKillAfterDelay: 2000,
    killDescendants: true,
    env: { CI: 'true' },
  });
  // A command that could not start has no output; its error message says why.
  const output = result.exitCode === undefined ? `${result.all ?? ''}\n${result.shortMessage}` : (result.all ?? '');
  return {
    passed: result.exitCode === 0 && !result.timedOut && !result.isCanceled,
    exitCode: result.exitCode ?? null,
    durationMs: Math.round(performance.now() - started),
    outputTail: output.slice(-OUTPUT_TAIL_BYTES),
    timedOut: result.timedOut,
  };
}
