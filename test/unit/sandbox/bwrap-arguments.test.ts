import { describe, expect, it } from 'vitest';
import { bwrapArguments, type SandboxLayout } from '../../../service/src/sandbox/bwrap-arguments.ts';

const layout: SandboxLayout = {
  system: [{ path: '/usr' }, { path: '/bin', symlinkTo: 'usr/bin' }],
  home: '/root',
  privateHome: '/data/sandboxes/t-a/home',
  privateTmp: '/data/sandboxes/t-a/tmp',
  worktree: { source: '/root/.local/share/kage/pool/r/1', target: '/root/.local/share/kage/worktrees/t/a' },
  git: { adminDir: '/repos/app/.git/worktrees/a', commonDir: '/repos/app/.git' },
  homeBinds: [{ path: '/root/.codex/auth.json', writable: false }],
  readOnly: ['/opt/node'],
  hidden: ['/root/.local/share/kage'],
  ownerOnly: [
    { path: '/etc/shadow', folder: false },
    { path: '/etc/ssl/private', folder: true },
  ],
  ids: { uid: 1000, gid: 1000 },
  network: true,
};

/** The destination of each mount, in the order bubblewrap makes them. */
function mountOrder(args: string[]): string[] {
  const destinations: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (['--bind', '--ro-bind', '--symlink'].includes(arg)) destinations.push(args[(i += 2)]!);
    else if (['--tmpfs', '--proc', '--dev'].includes(arg)) destinations.push(args[(i += 1)]!);
  }
  return destinations;
}

describe('bubblewrap arguments', () => {
  it('mounts outer folders before the ones inside them, so none is covered', () => {
    const order = mountOrder(bwrapArguments(layout));
    const at = (path: string) => order.indexOf(path);
    expect(at('/root')).toBeLessThan(at('/root/.local/share/kage'));
    expect(at('/root/.local/share/kage')).toBeLessThan(at(layout.worktree.target));
    expect(at('/root')).toBeLessThan(at('/root/.codex/auth.json'));
    expect(at('/repos/app/.git')).toBeLessThan(at('/repos/app/.git/worktrees'));
    expect(at('/repos/app/.git/worktrees')).toBeLessThan(at('/repos/app/.git/worktrees/a'));
    expect(at('/repos/app/.git/worktrees/a')).toBeLessThan(at('/repos/app/.git/worktrees/a/commondir'));
  });

  it('binds the worktree and its admin folder writable; the repository, the system and the home binds read-only', () => {
    const args = bwrapArguments(layout);
    const mode = (dest: string) => args[args.findIndex((arg, i) => args[i + 2] === dest && (arg === '--bind' || arg === '--ro-bind'))];
    expect(mode(layout.worktree.target)).toBe('--bind');
    // A pooled worktree appears at the attempt's own path, where its processes start.
    expect(args.join(' ')).toContain(`--bind ${layout.worktree.source} ${layout.worktree.target}`);
    expect(args.join(' ')).toContain(`--chdir ${layout.worktree.target}`);
    expect(mode(layout.git!.adminDir)).toBe('--bind');
    expect(mode(layout.git!.commonDir)).toBe('--ro-bind');
    expect(mode(`${layout.git!.adminDir}/commondir`)).toBe('--ro-bind');
    expect(mode('/usr')).toBe('--ro-bind');
    expect(mode('/opt/node')).toBe('--ro-bind');
    expect(mode('/root/.codex/auth.json')).toBe('--ro-bind');
    expect(args).toContain('--die-with-parent');
    expect(args).toContain('--unshare-pid');
  });

  it('hides the data folder and the other worktrees behind read-only empty folders', () => {
    const args = bwrapArguments(layout).join(' ');
    expect(args).toContain('--tmpfs /root/.local/share/kage');
    expect(args).toContain('--remount-ro /root/.local/share/kage');
    expect(args).toContain('--tmpfs /repos/app/.git/worktrees');
    expect(args).toContain('--remount-ro /repos/app/.git/worktrees');
  });

  it('takes the network away only when asked, and hands the start over when placed in a cgroup', () => {
    expect(bwrapArguments(layout)).not.toContain('--unshare-net');
    expect(bwrapArguments({ ...layout, network: false })).toContain('--unshare-net');
    const args = bwrapArguments({ ...layout, handshake: { infoFd: 3, blockFd: 4 } });
    expect(args.join(' ')).toContain('--info-fd 3 --block-fd 4');
    expect(args.at(-1)).toBe('--');
  });

  it('runs everything in a user namespace as the given ids, with no capability', () => {
    const args = bwrapArguments(layout).join(' ');
    expect(args).toContain('--unshare-user --uid 1000 --gid 1000 --cap-drop ALL');
  });

  it('shows files and folders only their owner may read as empty', () => {
    const args = bwrapArguments(layout).join(' ');
    expect(args).toContain('--ro-bind /dev/null /etc/shadow');
    expect(args).toContain('--tmpfs /etc/ssl/private');
    expect(args).toContain('--remount-ro /etc/ssl/private');
  });
});
