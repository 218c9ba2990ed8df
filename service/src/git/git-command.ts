/**
 * The one way the service runs git: an argv array through execa (never a shell string), with a
 * fixed locale so messages parse the same everywhere, no terminal prompts, no signing or hooks
 * from the user's configuration getting in the way of commits the service makes itself, and no
 * command named by a repository's config (config-guard.ts).
 */
import { execa } from 'execa';
import { fixedGitConfig, repositoryConfigOverrides } from './config-guard.ts';

export interface GitIdentity {
  name: string;
  email: string;
}

/** The identity of commits the service creates when the caller gives none. */
export const serviceIdentity: GitIdentity = { name: 'Kage Bunshin', email: 'kage-bunshin@localhost' };

export interface GitRunOptions {
  /** Exit codes that are answers rather than failures (merge-tree exits 1 on conflicts). */
  okExitCodes?: readonly number[];
  /** Author and committer of any commit the command creates. */
  identity?: GitIdentity;
  /** Keep stdout byte-exact (for -z output and patches); otherwise the final newline is stripped. */
  raw?: boolean;
  /** Read this much stdout at most (characters); past it git is stopped and `truncated` set. */
  maxOutput?: number;
  /** More environment for this one command (a remote's credentials, see remote-auth.ts). */
  env?: Readonly<Record<string, string>>;
  /** Stop git after this long (a remote that does not answer); the error says it timed out. */
  timeoutMs?: number;
  /**
   * The repository's config as `readConfigOverrides` read it for an earlier command, when
   * nothing untrusted has run there since: one read for a run of commands instead of one each.
   */
  configOverrides?: readonly string[];
}

export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** stdout stopped at `maxOutput`. */
  truncated: boolean;
}

/** A git command that failed: carries the directory, the argv and git's own explanation. */
export class GitCommandError extends Error {
  readonly cwd: string;
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(cwd: string, args: readonly string[], exitCode: number | undefined, stderr: string) {
    const reason = stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${exitCode}`;
    super(`git ${args.join(' ')} failed in ${cwd}: ${reason}`);
    this.name = 'GitCommandError';
    this.cwd = cwd;
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export async function runGit(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
  const identity = options.identity ?? serviceIdentity;
  // -c options apply to this invocation only (config-guard.ts says which and why).
  const guard = [...fixedGitConfig, ...(options.configOverrides ?? (await repositoryConfigOverrides(cwd, args)))];
  const result = await execa('git', [...guard, ...args], {
    cwd,
    reject: false,
    stripFinalNewline: !options.raw,
    maxBuffer: options.maxOutput ?? 256 * 1024 * 1024,
    // A remote that never answers leaves git's transport helper (git-remote-http) waiting: on a
    // timeout every process of the command goes, or the pipes it holds would keep us waiting too.
    ...(options.timeoutMs ? { timeout: options.timeoutMs, killDescendants: true, forceKillAfterDelay: 2_000 } : {}),
    env: {
      ...options.env,
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: identity.name,
      GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name,
      GIT_COMMITTER_EMAIL: identity.email,
    },
  });
  const exitCode = result.exitCode;
  const truncated = options.maxOutput !== undefined && result.isMaxBuffer;
  const ok = truncated || exitCode === 0 || (exitCode !== undefined && (options.okExitCodes ?? []).includes(exitCode));
  if (result.timedOut) throw new GitCommandError(cwd, args, undefined, `timed out after ${options.timeoutMs} ms`);
  if (!ok) throw new GitCommandError(cwd, args, exitCode, String(result.stderr ?? result.message));
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: exitCode ?? 0, truncated };
}

/** Runs git and returns its trimmed stdout. */
export async function git(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<string> {
  return (await runGit(cwd, args, options)).stdout.trim();
}
