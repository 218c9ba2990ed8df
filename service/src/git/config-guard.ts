/**
 * What keeps the service's own git from running a command that a repository's config names.
 * An attempt's sandbox cannot write the repository's config, but should that ever fail, a
 * planted `core.fsmonitor`, filter, diff or merge driver, `core.sshCommand` or credential helper
 * would run as the service's user the next time the service runs git there. So every service git
 * call is given `-c` overrides: commands are taken only from the user's own (global and system)
 * config; what only the repository names becomes a harmless equivalent.
 */
import { execa } from 'execa';

/** Always: no fsmonitor daemon or hook, no hooks, no signing, only the protocols tasks may use. */
export const fixedGitConfig = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'commit.gpgsign=false',
  'tag.gpgsign=false',
  'protocol.allow=never',
  'protocol.https.allow=always',
  'protocol.http.allow=always',
  'protocol.ssh.allow=always',
  'protocol.file.allow=always',
].flatMap((setting) => ['-c', setting]);

/** Keys whose value is a command git runs (git's canonical names: section and key lower-case). */
const commandKeys =
  '^(core\\.(sshcommand|askpass|pager|editor|alternaterefscommand)|sequence\\.editor|credential\\..*helper|gpg\\..*program|filter\\..*\\.(clean|smudge|process)|diff\\..*\\.(textconv|command)|diff\\.external|merge\\..*\\.driver|remote\\..*\\.(uploadpack|receivepack))$';

/** What stands in for a command only the repository names: the same job done by git itself, or nothing. */
function harmless(key: string): string {
  const last = key.slice(key.lastIndexOf('.') + 1);
  if (key === 'core.sshcommand') return 'ssh';
  if (key === 'core.pager') return 'cat';
  if (key === 'core.editor' || key === 'sequence.editor') return ':';
  if (key.startsWith('filter.')) return last === 'process' ? '' : 'cat';
  if (key.startsWith('diff.') && last === 'textconv') return 'cat';
  if (key.startsWith('merge.')) return 'git merge-file --marker-size=%L %A %O %B';
  if (last === 'uploadpack') return 'git-upload-pack';
  if (last === 'receivepack') return 'git-receive-pack';
  if (key.startsWith('gpg.')) return 'gpg';
  // credential helpers (empty resets the list), askpass, diff.external and diff.<x>.command (never enabled: --no-ext-diff).
  return '';
}

/**
 * Subcommands that never run a configured command: they read or write refs, objects and the
 * index, or (clean) delete untracked files, without a filter, driver, pager or transport. For
 * them the config is not read: each read is one more process per git command.
 */
const plumbing = new Set([
  'rev-parse',
  'for-each-ref',
  'update-ref',
  'cat-file',
  'config',
  'symbolic-ref',
  'show-ref',
  'ls-tree',
  'ls-files',
  'merge-base',
  'rev-list',
  'count-objects',
  'mktree',
  'commit-tree',
  'clean',
]);

/** The subcommand of a git argv: the first word after the global options (`-c k=v`, `-C dir`, `--literal-pathspecs`…). */
function subcommand(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '-c' || arg === '-C') index += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The `-c` overrides for one git command in `cwd`: none for plumbing, else what `readConfigOverrides` gives. */
export async function repositoryConfigOverrides(cwd: string, args: readonly string[]): Promise<string[]> {
  const command = subcommand(args);
  if (command === undefined || plumbing.has(command)) return [];
  return readConfigOverrides(cwd);
}

/**
 * Each command-naming key set in the repository's own config at `cwd` (or a worktree's, or a
 * file it includes) as a `-c` override with the user's own value for it, or a harmless one.
 * Reading config runs nothing.
 */
export async function readConfigOverrides(cwd: string): Promise<string[]> {
  const listed = await execa('git', ['config', '--show-scope', '-z', '--get-regexp', commandKeys], { cwd, reject: false, env: { LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } });
  if (listed.exitCode !== 0) return [];
  const trusted = new Map<string, string>();
  const fromRepository = new Set<string>();
  const fields = String(listed.stdout).split('\0');
  // -z with --show-scope: "scope\0key\nvalue\0" for each entry.
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const scope = fields[index]!;
    const [key, ...value] = fields[index + 1]!.split('\n');
    if (!key) continue;
    if (scope === 'global' || scope === 'system') trusted.set(key, value.join('\n'));
    else if (scope !== 'command') fromRepository.add(key);
  }
  // Credentials and prompts stay off whatever the user's config says (remote-auth.ts gives the one credential a command may use).
  const userValue = (key: string) => (/^credential\.|^core\.askpass$/.test(key) ? undefined : trusted.get(key));
  return [...fromRepository].flatMap((key) => ['-c', `${key}=${userValue(key) ?? harmless(key)}`]);
}
