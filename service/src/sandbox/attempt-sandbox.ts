/**
 * One attempt's sandbox: its private HOME and /tmp, its process group in a pids cgroup, and the
 * bubblewrap launch of each of its processes (setup, agent, verify). The attempt's processes see
 * the system read-only, their own worktree writable, and nothing else of the service's.
 */
import { existsSync, realpathSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ConfinedLaunch, Confinement, ProcessLaunch } from '../agents/process-launch.ts';
import { findExecutable } from '../agents/binary-lookup.ts';
import { isInside } from '../path-inside.ts';
import { bwrapArguments, type SandboxLayout, type SystemEntry } from './bwrap-arguments.ts';
import { diskUsage } from './disk-usage.ts';
import { hiddenProgramHint } from './hidden-program.ts';
import { copyInsteadOfLinking, packageCacheFolders, withPackageCaches } from './package-caches.ts';
import type { AttemptCgroup, CgroupBreach } from './attempt-cgroups.ts';
import type { AttemptLimits } from '../model/attempt-limits.ts';
import type { HomeBind } from './sandbox-settings.ts';

/** Why the sandbox stopped an attempt. */
export type LimitBreach = 'disk_limit' | 'file_size_limit' | CgroupBreach;

/** The machine-wide part every attempt sandbox shares (sandbox.ts builds it once). */
export interface SandboxHost {
  bwrap: string;
  prlimit: string | undefined;
  /** RLIMIT_NPROC stands in for the cgroup's process limit (it does not bind root). */
  nprocRlimit: boolean;
  system: readonly SystemEntry[];
  home: string;
  dataDir: string;
  /** Read-only for every attempt: Node's installation and the configured read paths. */
  readOnly: readonly string[];
  /** System files and folders only their owner may read, shown empty (see bwrap-arguments.ts). */
  ownerOnly: ReadonlyArray<{ path: string; folder: boolean }>;
  /** Who the attempt's processes are inside. */
  ids: { uid: number; gid: number };
  /** /etc/passwd and /etc/group naming that user, when the system's do not (attempt-user.ts). */
  accountFiles: ReadonlyArray<{ source: string; target: string }>;
  /** The user's registry settings without credentials (registry-settings.ts): HOME-relative path → text. */
  registrySettings: ReadonlyMap<string, string>;
}

export interface AttemptSandboxInput {
  /** Unique among running attempts: names its folder and cgroup. */
  name: string;
  worktree: string;
  /**
   * Where the worktree appears inside (default: its own path): where it was first made. A later
   * run of the same attempt (kept HOME) shows it where the first run did, as CLIs key sessions by it.
   */
  insidePath?: string | undefined;
  /** Keep the private HOME when the attempt ends, for a follow-up to resume its CLI's session in. */
  keepHome?: boolean | undefined;
  limits: AttemptLimits;
  homeBinds: readonly HomeBind[];
  /** The repository's package download caches (package-caches.ts), for its setup. */
  caches?: string | undefined;
}

const MB = 1024 * 1024;
const checkEveryMs = 2_000;
/** A process killed by SIGXFSZ, as bubblewrap reports it (128 + 25). */
export const FILE_SIZE_LIMIT_EXIT = 153;

export class AttemptSandbox implements Confinement {
  readonly worktree: string;
  /** The worktree's path as the attempt's processes see it. */
  readonly insidePath: string;
  /** True when this HOME was kept from an earlier run of the attempt (its CLI's sessions are in it). */
  readonly keptHome: boolean;
  private readonly keepHome: boolean;
  /** The worktree's own folder in the repository's git dir, read before any process ran. */
  private readonly git: { adminDir: string; commonDir: string } | undefined;
  readonly limits: AttemptLimits;
  private readonly host: SandboxHost;
  private readonly folder: string;
  private readonly group: AttemptCgroup | undefined;
  private readonly homeBinds: ReadonlyArray<{ path: string; writable: boolean }>;
  private readonly caches: string | undefined;

  private constructor(host: SandboxHost, input: AttemptSandboxInput, parts: {
      folder: string;
      group: AttemptCgroup | undefined;
      git: { adminDir: string; commonDir: string } | undefined;
      homeBinds: Array<{ path: string; writable: boolean }>;
      keptHome: boolean;
    },
  ) {
    this.host = host;
    this.worktree = input.worktree;
    this.insidePath = input.insidePath ?? input.worktree;
    this.keepHome = input.keepHome ?? false;
    this.keptHome = parts.keptHome;
    this.limits = input.limits;
    this.folder = parts.folder;
    this.group = parts.group;
    this.git = parts.git;
    this.homeBinds = parts.homeBinds;
    this.caches = input.caches;
  }

  /** Makes the private HOME (with the agent's copied files) and /tmp, and the cgroup. */
  static async prepare(host: SandboxHost, input: AttemptSandboxInput, group: AttemptCgroup | undefined): Promise<AttemptSandbox> {
    const folder = join(host.dataDir, 'sandboxes', input.name);
    // A HOME kept from the attempt's earlier run stays (a follow-up resumes its sessions); the rest is new.
    const keptHome = Boolean(input.keepHome) && existsSync(join(folder, 'home'));
    if (keptHome) await rm(join(folder, 'tmp'), { recursive: true, force: true });
    else await rm(folder, { recursive: true, force: true });
    await mkdir(join(folder, 'home'), { recursive: true, mode: 0o700 });
    await mkdir(join(folder, 'tmp', 'git-objects'), { recursive: true, mode: 0o700 });
    // A worktree's git folders; none for a plain folder (the judge's).
    const git = existsSync(join(input.worktree, '.git')) ? await worktreeGitDirs(input.worktree) : undefined;
    for (const [file, text] of host.registrySettings) {
      await mkdir(dirname(join(folder, 'home', file)), { recursive: true });
      await writeFile(join(folder, 'home', file), text, { mode: 0o600 });
    }
    const homeBinds: Array<{ path: string; writable: boolean }> = [];
    for (const bind of input.homeBinds) {
      const source = isAbsolute(bind.path) ? bind.path : join(host.home, bind.path);
      const inHome = relative(host.home, source);
      const underHome = !inHome.startsWith('..') && !isAbsolute(inHome);
      // The CLI's config folder exists even when empty: some refuse to start without it (Codex's CODEX_HOME).
      if (underHome) await mkdir(dirname(join(folder, 'home', inHome)), { recursive: true });
      if (!existsSync(source)) continue;
      if (bind.mode === 'copy' && underHome) {
        await cp(source, join(folder, 'home', inHome), { recursive: true, dereference: true });
      } else {
        homeBinds.push({ path: source, writable: bind.mode === 'rw' });
      }
    }
    // A later run of the attempt shows its worktree where the first run did: the CLI keys its sessions by that path.
    const insidePathFile = join(folder, 'inside-path');
    const insidePath = (keptHome ? await readFile(insidePathFile, 'utf8').catch(() => undefined) : undefined) ?? input.insidePath ?? input.worktree;
    await writeFile(insidePathFile, insidePath);
    return new AttemptSandbox(host, { ...input, insidePath }, { folder, group, git, homeBinds, keptHome });
  }

  wrap(launch: ProcessLaunch, cwd: string, options: { network: boolean; packageCaches?: boolean | undefined }): ConfinedLaunch {
    const caches = options.packageCaches ? this.caches : undefined;
    const layout: SandboxLayout = {
      system: this.host.system,
      home: this.host.home,
      privateHome: join(this.folder, 'home'),
      privateTmp: join(this.folder, 'tmp'),
      worktree: { source: this.worktree, target: this.insidePath },
      git: this.git,
      homeBinds: this.homeBinds,
      caches: caches ? packageCacheFolders.map((folder) => ({ source: join(caches, folder), target: join(this.host.home, folder) })) : undefined,
      // A configured folder that does not exist (yet) is left out: bubblewrap refuses to bind it.
      readOnly: [...new Set([...this.host.readOnly, ...[launch.file, ...(launch.programs ?? [])].flatMap((program) => this.installationOf(program, cwd))])].filter((path) =>
        existsSync(path),
      ),
      hidden: [this.host.dataDir],
      ownerOnly: this.host.ownerOnly,
      accountFiles: this.host.accountFiles,
      ids: this.host.ids,
      network: options.network,
      handshake: this.group ? { infoFd: 3, blockFd: 4 } : undefined,
    };
    const limits = this.host.prlimit
      ? [this.host.prlimit, `--fsize=${this.limits.fileSizeMb * MB}`, ...(this.host.nprocRlimit ? [`--nproc=${this.limits.processes}`] : []), '--']
      : [];
    const group = this.group;
    return {
      file: this.host.bwrap,
      args: [...bwrapArguments(layout), ...limits, launch.file, ...launch.args],
      env: {
        ...launch.env,
        TMPDIR: '/tmp',
        ...(caches ? copyInsteadOfLinking : {}),
        // `git add` writes objects; the repository's own store is read-only, so they go here.
        ...(this.git ? { GIT_OBJECT_DIRECTORY: '/tmp/git-objects', GIT_ALTERNATE_OBJECT_DIRECTORIES: join(this.git.commonDir, 'objects') } : {}),
      },
      extraPipes: group ? 2 : 0,
      release: group ? (pid, pipes) => placeInGroup(group, pid, pipes) : async () => {},
    };
  }

  withPackageCaches<T extends { passed: boolean }>(setup: () => Promise<T>): Promise<T> {
    return this.caches ? withPackageCaches(this.caches, setup) : setup();
  }

  explainNotRunnable(program: string, exitCode: number, output: string, args?: readonly string[]): string | undefined {
    return hiddenProgramHint({ program, args, exitCode, output, home: this.host.home, shows: (path) => this.shows(path) });
  }

  /** Whether a host path is visible inside (by the same path): the system, the read-only folders, the home binds, the worktree. */
  private shows(path: string): boolean {
    if (isInside(path, this.host.dataDir)) return false;
    if ([...this.host.readOnly, ...this.homeBinds.map((bind) => bind.path), this.worktree].some((folder) => isInside(path, folder))) return true;
    if (isInside(path, this.host.home) || isInside(path, '/tmp')) return false;
    return this.host.system.some((entry) => isInside(path, entry.path));
  }

  /**
   * Checks the attempt's limits every two seconds until the returned function is called;
   * `onBreach` hears the first one broken (the caller stops the attempt).
   */
  watch(onBreach: (breach: LimitBreach) => void): () => void {
    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void this.breach()
        .then((breach) => {
          if (!breach) return;
          clearInterval(timer);
          onBreach(breach);
        })
        .finally(() => {
          checking = false;
        });
    }, checkEveryMs);
    return () => clearInterval(timer);
  }

  /** Whether git objects were written in the sandbox (the worktree's index may name them). */
  async wroteGitObjects(): Promise<boolean> {
    return (await readdir(join(this.folder, 'tmp', 'git-objects')).catch(() => [])).length > 0;
  }

  /** Stops whatever of the attempt still runs and deletes its private folders (but a HOME it keeps). */
  async dispose(): Promise<void> {
    await this.group?.dispose();
    await rm(this.keepHome ? join(this.folder, 'tmp') : this.folder, { recursive: true, force: true });
  }

  /** The first limit the attempt has broken, if any (also after its processes ended: an OOM kill). */
  async breach(): Promise<LimitBreach | undefined> {
    const cgroup = await this.group?.breach();
    if (cgroup) return cgroup;
    const cap = this.limits.worktreeMb * MB;
    const usage = await diskUsage([this.worktree, this.folder], this.limits.fileSizeMb * MB);
    if (usage.bytes > cap) return 'disk_limit';
    // Writes past the limit fail (EFBIG, or SIGXFSZ); a file that reached it shows one was cut.
    return usage.fileAtLimit ? 'file_size_limit' : undefined;
  }

  /**
   * The folder that holds the program's installation (its `node_modules`, else its own folder),
   * read-only; never a folder holding the service's HOME or data (then only the file itself).
   */
  private installationOf(file: string, cwd: string): string[] {
    // A script run by another program (the ACP bridge, run by node) need not be executable.
    const found = findExecutable(isAbsolute(file) || !file.includes('/') ? file : resolve(cwd, file)) ?? (isAbsolute(file) && existsSync(file) ? file : undefined);
    if (!found) return [];
    const real = realpathSync(found);
    if (['/usr/', '/etc/'].some((prefix) => real.startsWith(prefix)) || isInside(real, this.worktree)) return [];
    const parts = real.split(sep);
    const modules = parts.lastIndexOf('node_modules');
    const folder = modules > 0 ? parts.slice(0, modules + 1).join(sep) : dirname(real);
    const exposes = [this.host.home, this.host.dataDir].some((secret) => isInside(secret, folder));
    return [exposes ? real : folder];
  }
}

/** The worktree's admin folder and the repository's git dir, as git set them up. */
async function worktreeGitDirs(worktree: string): Promise<{ adminDir: string; commonDir: string }> {
  const link = (await readFile(join(worktree, '.git'), 'utf8')).trim();
  if (!link.startsWith('gitdir: ')) throw new Error(`${worktree}/.git is not a worktree link`);
  const adminDir = resolve(worktree, link.slice('gitdir: '.length));
  const common = (await readFile(join(adminDir, 'commondir'), 'utf8')).trim();
  return { adminDir, commonDir: realpathSync(resolve(adminDir, common)) };
}

/** The start hand-shake: bubblewrap says its child's pid, both go into the group, then the child runs. */
async function placeInGroup(group: AttemptCgroup, pid: number, pipes: Duplex[]): Promise<void> {
  const [info, block] = pipes;
  let text = '';
  info!.setEncoding('utf8');
  for await (const chunk of info!) text += chunk as string;
  if (text === '') throw new Error('bubblewrap stopped before starting its child (its stderr says why)');
  const child = (JSON.parse(text) as { 'child-pid'?: unknown })['child-pid'];
  if (typeof child !== 'number') throw new Error('bubblewrap did not say its child process');
  await group.add([pid, child]);
  block!.end('x');
}
