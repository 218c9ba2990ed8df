/**
 * The service's sandbox: decided once at start-up (KAGE_SANDBOX), shown by /health and /agents,
 * and giving each attempt its own AttemptSandbox (or none when off).
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import type { AgentName } from '../model/agent-names.ts';
import { findExecutable } from '../agents/binary-lookup.ts';
import { isInside } from '../path-inside.ts';
import { AttemptSandbox, type SandboxHost } from './attempt-sandbox.ts';
import type { SystemEntry } from './bwrap-arguments.ts';
import { CgroupTree } from './attempt-cgroups.ts';
import { attemptUser, insideIds } from './attempt-user.ts';
import { homeToolchainFolders } from './home-toolchains.ts';
import { registrySettings } from './registry-settings.ts';
import { repositoryCaches } from './package-caches.ts';
import type { AttemptLimits } from '../model/attempt-limits.ts';
import type { SandboxSettings } from './sandbox-settings.ts';

/** What /health and /agents say about the sandbox. */
export interface SandboxStatus {
  /** What runs: `bwrap` (every agent and project command confined) or `off`. */
  mode: 'bwrap' | 'off';
  /** What KAGE_SANDBOX asked for. */
  configured: SandboxSettings['mode'];
  /** How the process limit is enforced: a pids cgroup, RLIMIT_NPROC (not for root), or not at all. */
  processLimit: 'cgroup' | 'rlimit' | 'none';
  /** How the memory limit is enforced: a memory cgroup, or not at all. */
  memoryLimit: 'cgroup' | 'none';
  limits: AttemptLimits;
  /** Why `auto` fell back to off. */
  reason?: string;
  /** Folders of the service user's HOME every attempt sees read-only (home-toolchains.ts). */
  shownFromHome: string[];
  /** Registry settings of the service user's HOME copied into every attempt's, credentials removed (registry-settings.ts). */
  registrySettings: string[];
}

export class SandboxUnavailable extends Error {}

const systemPaths = ['/usr', '/etc', '/opt', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

export class Sandbox {
  readonly status: SandboxStatus;
  private readonly settings: SandboxSettings;
  private readonly host: SandboxHost | undefined;
  private readonly cgroups: CgroupTree | undefined;

  private constructor(settings: SandboxSettings, status: SandboxStatus, host?: SandboxHost, cgroups?: CgroupTree) {
    this.settings = settings;
    this.status = status;
    this.host = host;
    this.cgroups = cgroups;
  }

  /**
   * Decides the mode: `bwrap` needs bubblewrap installed and working (else SandboxUnavailable,
   * one line saying what to install), `auto` uses it when it works, `off` never.
   */
  static async start(settings: SandboxSettings, dataDir: string): Promise<Sandbox> {
    const off = (reason?: string) =>
      new Sandbox(settings, { mode: 'off', configured: settings.mode, processLimit: 'none', memoryLimit: 'none', limits: settings.limits, shownFromHome: [], registrySettings: [], ...(reason ? { reason } : {}) });
    if (settings.mode === 'off') return off();
    const problem = await bwrapProblem();
    if (problem) {
      if (settings.mode === 'bwrap') throw new SandboxUnavailable(`KAGE_SANDBOX=bwrap, but ${problem}: install bubblewrap (Debian: apt-get install bubblewrap), or set KAGE_SANDBOX=auto or off`);
      return off(problem);
    }
    const cgroups = await CgroupTree.open();
    const prlimit = findExecutable('prlimit');
    const processLimit = cgroups?.has('pids') ? 'cgroup' : prlimit && process.getuid?.() !== 0 ? 'rlimit' : 'none';
    const home = resolve(process.env.HOME || homedir());
    const nodeInstallation = dirname(dirname(realpathSync(process.execPath)));
    const shownFromHome = homeToolchainFolders(process.env, home, resolve(dataDir));
    const user = await attemptUser(home, join(resolve(dataDir), 'sandbox-accounts'));
    const settingsFiles = registrySettings(home);
    const host: SandboxHost = {
      bwrap: findExecutable('bwrap')!,
      prlimit,
      nprocRlimit: processLimit === 'rlimit',
      system: systemEntries(),
      ownerOnly: await ownerOnlyEntries('/etc'),
      registrySettings: settingsFiles,
      ids: { uid: user.uid, gid: user.gid },
      accountFiles: user.accountFiles,
      home,
      dataDir: resolve(dataDir),
      readOnly: [
        // Node's installation, unless it is the system's or would show the service's HOME or data.
        ...(nodeInstallation === '/usr' || nodeInstallation.startsWith('/usr/') || [home, resolve(dataDir)].some((path) => isInside(path, nodeInstallation)) ? [] : [nodeInstallation]),
        ...settings.readPaths.map((path) => resolve(path)),
        ...shownFromHome,
      ],
    };
    const memoryLimit = cgroups?.has('memory') ? 'cgroup' : 'none';
    return new Sandbox(settings, { mode: 'bwrap', configured: settings.mode, processLimit, memoryLimit, limits: settings.limits, shownFromHome, registrySettings: [...settingsFiles.keys()].map((file) => join(home, file)) }, host, cgroups);
  }

  /** Deletes the HOMEs kept for a task's attempts (named `<prefix><label>`), e.g. once it is discarded. */
  async forgetAttempts(prefix: string): Promise<void> {
    if (!this.host) return;
    const root = join(this.host.dataDir, 'sandboxes');
    for (const name of await readdir(root).catch(() => [] as string[])) {
      if (name.startsWith(prefix)) await rm(join(root, name), { recursive: true, force: true });
    }
  }

  /** The attempt's sandbox, ready to confine its processes; undefined when the sandbox is off. */
  async forAttempt(input: {
    name: string;
    agent: AgentName;
    worktree: string;
    insidePath?: string;
    keepHome?: boolean;
    /** Whose package download caches its setup shares (the repository's path or URL). */
    cacheKey?: string;
    limits: Partial<AttemptLimits> | undefined;
  }): Promise<AttemptSandbox | undefined> {
    if (!this.host) return undefined;
    const limits = { ...this.settings.limits, ...input.limits };
    const group = await this.cgroups?.create(input.name, { processes: limits.processes, memoryBytes: limits.memoryMb * 1024 * 1024 });
    return AttemptSandbox.prepare(
      this.host,
      {
        name: input.name,
        worktree: input.worktree,
        insidePath: input.insidePath,
        keepHome: input.keepHome,
        limits,
        homeBinds: this.settings.homeBinds[input.agent],
        caches: input.cacheKey === undefined ? undefined : await repositoryCaches(this.host.dataDir, input.cacheKey),
      },
      group,
    );
  }
}

/** Why bubblewrap cannot confine processes here, or undefined when it can. */
async function bwrapProblem(): Promise<string | undefined> {
  const bwrap = findExecutable('bwrap');
  if (!bwrap) return 'bubblewrap (bwrap) is not installed';
  // The probe asks for what every attempt gets: a user namespace without capabilities.
  const { uid, gid } = insideIds();
  const probe = await execa(
    bwrap,
    ['--unshare-user', '--uid', String(uid), '--gid', String(gid), '--cap-drop', 'ALL', '--ro-bind', '/', '/', '--unshare-pid', '--proc', '/proc', '--dev', '/dev', '--', 'true'],
    { reject: false, timeout: 10_000, stdin: 'ignore' },
  );
  return probe.exitCode === 0 ? undefined : `bubblewrap does not work here (${probe.stderr.trim() || `exit ${probe.exitCode}`})`;
}

/**
 * Files and folders under `root` that others may not read (`/etc/shadow`, SSH host keys, TLS
 * private keys): an attempt passes as their owner when the service owns them, so they are hidden.
 */
async function ownerOnlyEntries(root: string): Promise<Array<{ path: string; folder: boolean }>> {
  const found: Array<{ path: string; folder: boolean }> = [];
  const visit = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isFile() && !entry.isDirectory()) continue;
      const path = join(folder, entry.name);
      const mode = (await stat(path).catch(() => undefined))?.mode;
      if (mode === undefined) continue;
      const othersMayRead = entry.isDirectory() ? (mode & 0o005) === 0o005 : (mode & 0o004) !== 0;
      if (!othersMayRead) found.push({ path, folder: entry.isDirectory() });
      else if (entry.isDirectory()) await visit(path);
    }
  };
  await visit(root);
  return found;
}

/** The system folders, as this machine has them (on merged-/usr systems /bin and /lib are links). */
function systemEntries(): SystemEntry[] {
  const entries: SystemEntry[] = [];
  for (const path of systemPaths) {
    try {
      const stats = lstatSync(path);
      if (stats.isSymbolicLink()) entries.push({ path, symlinkTo: readlinkSync(path) });
      else if (stats.isDirectory()) entries.push({ path });
    } catch {
      // Not on this machine.
    }
  }
  // Name resolution: /etc/resolv.conf may link into /run (systemd-resolved).
  try {
    const resolver = realpathSync('/etc/resolv.conf');
    if (!systemPaths.some((path) => resolver.startsWith(`${path}/`))) entries.push({ path: dirname(resolver) });
  } catch {
    // No resolver configuration.
  }
  return entries;
}
