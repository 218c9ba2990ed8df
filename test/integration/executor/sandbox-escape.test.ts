/**
 * The escape that worked before attempts lost their capabilities: an agent remounted the
 * repository's read-only git folder writable, planted a `core.fsmonitor` command and a branch,
 * and the service's own git then ran the command as root on the host. Through the real service
 * process with bubblewrap, as root (when the tests run as root, as CI does) and as a normal user:
 * nothing inside holds a capability, every step fails, and the user's repository is unchanged.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { fixturesDir, startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';

const nobody = 65534;
const asRoot = process.getuid?.() === 0;

/** The parts of a repository's git folder an attempt must never change, as one digest each. */
async function repositorySnapshot(repo: TestRepo, ownBranches: readonly string[]): Promise<Record<string, string>> {
  const gitDir = join(repo.path, '.git');
  const digest = async (path: string) => (existsSync(path) ? createHash('sha256').update(await readFile(path)).digest('hex') : 'absent');
  const snapshot: Record<string, string> = {};
  for (const file of ['config', 'HEAD', 'packed-refs', 'info/exclude']) snapshot[file] = await digest(join(gitDir, file));
  for (const hook of (await readdir(join(gitDir, 'hooks'))).sort()) snapshot[`hooks/${hook}`] = await digest(join(gitDir, 'hooks', hook));
  const refs = (await repo.git('-c', 'safe.directory=*', 'for-each-ref', '--format=%(refname) %(objectname)')).split('\n').filter((line) => !ownBranches.some((branch) => line.startsWith(`refs/heads/${branch} `)));
  snapshot.refs = refs.join('\n');
  return snapshot;
}

describe.each([
  { who: 'root', uid: 0, skip: !asRoot },
  { who: 'a normal user', uid: asRoot ? nobody : (process.getuid?.() ?? 1000), skip: false },
])('an attempt of a service run by $who', ({ uid, skip }) => {
  let repo: TestRepo;
  let dataDir: string;
  let home: string;
  let markers: string;
  let service: ServiceProcess;

  beforeAll(async () => {
    if (skip) return;
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-escape-data-');
    home = await makeTempDir('kage-escape-home-');
    markers = await makeTempDir('kage-escape-markers-');
    // Where the planted command would write: writable by anyone, so only the sandbox stops it.
    await chmod(markers, 0o777);
    if (uid !== (process.getuid?.() ?? uid)) {
      for (const folder of [repo.path, dataDir, home]) await chownTree(folder, uid);
    }
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir, HOME: home, KAGE_SANDBOX: 'bwrap' }, uid !== (process.getuid?.() ?? uid) ? { uid, gid: uid } : undefined);
  }, 90_000);
  afterAll(async () => {
    if (skip) return;
    await service?.kill('SIGTERM');
    await repo?.cleanup();
    for (const dir of [dataDir, home, markers]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('holds no capability, cannot remount, mount, make devices or touch the repository, and nothing planted runs', async () => {
    const marker = join(markers, 'owned.txt');
    const before = await repositorySnapshot(repo, []);
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'escape',
        repository: { path: repo.path },
        agents: [{ agent: 'command', command: [process.execPath, join(fixturesDir, 'fake-agents/sandbox-probing-agent.mjs'), 'escape', marker] }],
      },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const task = await waitForTaskEnd(service, id, 120_000);
    const attempt = task.agents[0] as { status: string; branch: string };
    expect(attempt.status, JSON.stringify(task.agents[0])).toBe('succeeded');
    const report = JSON.parse(await repo.git('-c', 'safe.directory=*', 'show', `${attempt.branch}:probe-report.json`)) as Record<string, { ok: boolean; result?: string; error?: string }>;

    expect(report.status?.result).toMatch(/CapEff:\s+0000000000000000/);
    expect(report.status?.result).toMatch(/CapBnd:\s+0000000000000000/);
    expect(report.status?.result).toMatch(/NoNewPrivs:\s+1/);
    if (uid === 0) expect(report.status?.result).not.toMatch(/^Uid:\s+0\b/m);
    for (const step of ['remount the git folder writable', 'mount a tmpfs', 'make a device node', 'plant core.fsmonitor', 'append to the config', 'create a branch', 'write packed-refs', 'write a hook', 'write info/exclude']) {
      expect(report[step], step).toMatchObject({ ok: false });
    }
    // The attempt's own admin folder is there; no other attempt's.
    expect(report['list the other worktrees']?.result?.trim().split('\n')).toHaveLength(1);

    // The service's git ran after the agent (commit, diff); the user's own git runs now.
    await repo.git('-c', 'safe.directory=*', 'status', '--short');
    expect(existsSync(marker)).toBe(false);
    expect(await repositorySnapshot(repo, [attempt.branch])).toEqual(before);
  }, 150_000);
});

async function chownTree(path: string, uid: number): Promise<void> {
  await chown(path, uid, uid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid);
    else await chown(child, uid, uid).catch(() => {});
  }
}
