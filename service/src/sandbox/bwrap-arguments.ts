/**
 * The bubblewrap command line for one confined process: what it sees, read-only or writable, in
 * which namespaces. Pure, so every rule is checked in a unit test without starting anything.
 */
import { dirname } from 'node:path';

/** A top-level system path: a folder bound read-only, or (merged /usr) a symbolic link. */
export interface SystemEntry {
  path: string;
  symlinkTo?: string | undefined;
}

export interface SandboxLayout {
  system: readonly SystemEntry[];
  /** HOME inside is the service's HOME path, backed by `privateHome`. */
  home: string;
  privateHome: string;
  privateTmp: string;
  /** The worktree's folder, and where it appears inside (the same path, or the attempt's stable one). */
  worktree: { source: string; target: string };
  /**
   * The worktree's own folder in the repository's git dir (index, HEAD: writable) and the
   * repository's git dir (read-only, its other worktrees' folders hidden); none for a plain folder.
   */
  git?: { adminDir: string; commonDir: string } | undefined;
  /** The repository's package download caches, writable at their places in HOME (setup only; package-caches.ts). */
  caches?: ReadonlyArray<{ source: string; target: string }> | undefined;
  /** Files of the service user's HOME the agent's CLI may use, at their own paths. */
  homeBinds: ReadonlyArray<{ path: string; writable: boolean }>;
  /** Read-only folders beyond the system: Node, the agent's installation, configured tools. */
  readOnly: readonly string[];
  /** Never visible, even when inside a folder above (the service's data folder). */
  hidden: readonly string[];
  /**
   * System files and folders only their owner may read (`/etc/shadow`, SSH host keys): shown
   * empty. Inside, the attempt's user is the service's user outside, so it would pass as their owner.
   */
  ownerOnly: ReadonlyArray<{ path: string; folder: boolean }>;
  /** The user and group the processes run as inside (an unprivileged one when the service is root). */
  ids: { uid: number; gid: number };
  /** Account files shown over the system's, naming that user (attempt-user.ts). */
  accountFiles?: ReadonlyArray<{ source: string; target: string }> | undefined;
  network: boolean;
  /** Fds for the start hand-shake (see attempt-sandbox.ts), when the process is placed in a cgroup. */
  handshake?: { infoFd: number; blockFd: number } | undefined;
}

type Mount = { dest: string; args: string[] };

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}

/** Mounts in an order where a folder never covers one placed inside it: outer paths first. */
function ordered(mounts: Mount[]): string[] {
  return mounts
    .map((mount, index) => ({ ...mount, index }))
    .sort((a, b) => depth(a.dest) - depth(b.dest) || a.index - b.index)
    .flatMap((mount) => mount.args);
}

/** bwrap's arguments up to and including `--`; the confined program's argv follows. */
export function bwrapArguments(layout: SandboxLayout): string[] {
  const mounts: Mount[] = [];
  for (const entry of layout.system) {
    mounts.push(entry.symlinkTo ? { dest: entry.path, args: ['--symlink', entry.symlinkTo, entry.path] } : { dest: entry.path, args: ['--ro-bind', entry.path, entry.path] });
  }
  mounts.push({ dest: '/proc', args: ['--proc', '/proc'] }, { dest: '/dev', args: ['--dev', '/dev'] });
  mounts.push({ dest: '/tmp', args: ['--bind', layout.privateTmp, '/tmp'] });
  for (const path of layout.hidden) mounts.push({ dest: path, args: ['--tmpfs', path] });
  for (const file of layout.accountFiles ?? []) mounts.push({ dest: file.target, args: ['--ro-bind', file.source, file.target] });
  for (const { path, folder } of layout.ownerOnly) mounts.push({ dest: path, args: folder ? ['--tmpfs', path] : ['--ro-bind', '/dev/null', path] });
  mounts.push({ dest: layout.home, args: ['--bind', layout.privateHome, layout.home] });
  for (const bind of layout.homeBinds) mounts.push({ dest: bind.path, args: [bind.writable ? '--bind' : '--ro-bind', bind.path, bind.path] });
  for (const path of layout.readOnly) mounts.push({ dest: path, args: ['--ro-bind', path, path] });
  for (const cache of layout.caches ?? []) mounts.push({ dest: cache.target, args: ['--bind', cache.source, cache.target] });
  const { git } = layout;
  if (git) {
    mounts.push(
      { dest: git.commonDir, args: ['--ro-bind', git.commonDir, git.commonDir] },
      { dest: dirname(git.adminDir), args: ['--tmpfs', dirname(git.adminDir)] },
      { dest: git.adminDir, args: ['--bind', git.adminDir, git.adminDir] },
    );
    // Which repository and checkout the worktree belongs to stays as git wrote it.
    for (const file of ['commondir', 'gitdir']) {
      const path = `${git.adminDir}/${file}`;
      mounts.push({ dest: path, args: ['--ro-bind', path, path] });
    }
  }
  mounts.push({ dest: layout.worktree.target, args: ['--bind', layout.worktree.source, layout.worktree.target] });

  // Hidden folders are empty and read-only: a write there fails instead of vanishing with the sandbox.
  const emptied = [...layout.hidden, ...layout.ownerOnly.filter(({ folder }) => folder).map(({ path }) => path), ...(git ? [dirname(git.adminDir)] : [])];
  const readOnlyAfterwards = emptied.flatMap((path) => ['--remount-ro', path]);
  return [
    '--die-with-parent',
    '--new-session',
    // Nothing inside holds a capability, whoever runs the service: without a user namespace and
    // the drop, a root service's attempts could remount every read-only bind writable.
    '--unshare-user',
    '--uid',
    String(layout.ids.uid),
    '--gid',
    String(layout.ids.gid),
    '--cap-drop',
    'ALL',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(layout.network ? [] : ['--unshare-net']),
    ...ordered(mounts),
    ...readOnlyAfterwards,
    '--chdir',
    layout.worktree.target,
    ...(layout.handshake ? ['--info-fd', String(layout.handshake.infoFd), '--block-fd', String(layout.handshake.blockFd)] : []),
    '--',
  ];
}
