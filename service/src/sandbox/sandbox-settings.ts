/**
 * What the sandbox is configured to do (config.ts reads it from the environment): the mode, the
 * limits each attempt gets unless its task sets its own, and what of the service user's HOME an
 * agent's CLI may see.
 */
import type { AttemptLimits } from '../model/attempt-limits.ts';
import type { AgentName } from '../model/agent-names.ts';

/** `auto`: bubblewrap when it is installed and works, else off. */
export type SandboxMode = 'auto' | 'bwrap' | 'off';


/**
 * One path of the service user's HOME that an agent's private HOME shows: `ro` bound read-only,
 * `rw` bound writable, `copy` copied in (the CLI may change its copy; the original stays).
 */
export interface HomeBind {
  path: string;
  mode: 'ro' | 'rw' | 'copy';
}

export interface SandboxSettings {
  mode: SandboxMode;
  limits: AttemptLimits;
  /** HOME paths per agent (KAGE_<AGENT>_HOME_BINDS replaces an agent's defaults). */
  homeBinds: Record<AgentName, HomeBind[]>;
  /** More folders every attempt may read (tools installed outside the system folders). */
  readPaths: string[];
}

/**
 * What each CLI needs to run and to authenticate, and no more: its credentials and settings,
 * read-only; files it rewrites as it runs (Claude Code's `.claude.json`) are copied. The rest
 * of its config folder (sessions, caches) is private to the attempt.
 */
export const defaultHomeBinds: Record<AgentName, HomeBind[]> = {
  claude: [
    { path: '.claude/.credentials.json', mode: 'ro' },
    { path: '.claude/settings.json', mode: 'ro' },
    { path: '.claude.json', mode: 'copy' },
  ],
  codex: [
    { path: '.codex/auth.json', mode: 'ro' },
    { path: '.codex/config.toml', mode: 'ro' },
  ],
  gemini: [
    { path: '.gemini/settings.json', mode: 'ro' },
    { path: '.gemini/oauth_creds.json', mode: 'ro' },
    { path: '.gemini/google_accounts.json', mode: 'ro' },
  ],
  aider: [
    { path: '.aider.conf.yml', mode: 'ro' },
    { path: '.aider.model.settings.yml', mode: 'ro' },
  ],
  opencode: [
    { path: '.config/opencode', mode: 'ro' },
    { path: '.local/share/opencode/auth.json', mode: 'ro' },
  ],
  cursor: [
    { path: '.cursor/cli-config.json', mode: 'copy' },
    { path: '.config/cursor', mode: 'ro' },
  ],
  qwen: [
    { path: '.qwen/settings.json', mode: 'ro' },
    { path: '.qwen/oauth_creds.json', mode: 'ro' },
  ],
  // An ACP agent's own settings are bound through KAGE_ACP_HOME_BINDS (which agent it is, the task says).
  acp: [],
  command: [],
};

const homeBindPattern = /^([^:,]+?)(?::(ro|rw|copy))?$/;

/**
 * Reads `KAGE_<AGENT>_HOME_BINDS`: comma-separated paths relative to HOME (or absolute), each
 * optionally `:ro` (the default), `:rw` or `:copy`. Throws with what is wrong.
 */
export function parseHomeBinds(text: string): HomeBind[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = homeBindPattern.exec(entry);
      if (!match || match[1]!.split('/').includes('..')) throw new Error(`"${entry}" must be a path without "..", optionally followed by :ro, :rw or :copy`);
      return { path: match[1]!, mode: (match[2] ?? 'ro') as HomeBind['mode'] };
    });
}
