/**
 * Defence in depth behind the sandbox: commands planted in a repository's config (as an escaped
 * attempt would plant them) never run when the service's own git commits, diffs, checks
 * conflicts, merges or pushes there. Each planted command writes a marker file; none may appear.
 * Commands from the user's own (global) config still run.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChangeRecorder } from '../../../service/src/git/change-recorder.ts';
import { runGit } from '../../../service/src/git/git-command.ts';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { DiffReader } from '../../../service/src/merge/diff-reader.ts';
import { mergeTree } from '../../../service/src/merge/merge-tree.ts';
import { mergePreferringSource } from '../../../service/src/merge/theirs-merge.ts';
import { createTestRepo, makeTempDir, runGitIn, type TestRepo } from '../../support/git-repo.ts';

describe("the service's git and a repository's planted config", () => {
  let repo: TestRepo;
  let markers: string;
  let globalConfig: string;
  const savedGlobal = process.env.GIT_CONFIG_GLOBAL;

  const planted = (name: string, then = 'cat') => `touch ${markers}/${name}; ${then}`;
  const ran = async () => (await readdir(markers)).sort();

  beforeAll(async () => {
    repo = await createTestRepo();
    markers = await makeTempDir('kage-markers-');
    globalConfig = join(markers, '..', `${markers.split('/').at(-1)}.gitconfig`);
    // The user's own config: a filter of theirs (say, git-lfs) must keep working.
    await writeFile(globalConfig, `[filter "users"]\n\tclean = touch ${markers}/users-own-filter; cat\n`);
    process.env.GIT_CONFIG_GLOBAL = globalConfig;
    // The attempt's commit names the drivers for every file, and a file of the user's filter.
    await repo.commitOnBranch('attempt', { '.gitattributes': '* filter=x diff=x merge=x\nusers.txt filter=users\n', 'a.txt': 'from the attempt\n' });
    await repo.commitOnBranch('other', { 'a.txt': 'from elsewhere\n' });
    const plant: Array<[string, string]> = [
      ['core.fsmonitor', planted('fsmonitor', 'false')],
      ['core.sshCommand', planted('sshCommand', 'false')],
      ['diff.external', planted('diff-external', 'true')],
      ['filter.x.clean', planted('filter-clean')],
      ['filter.x.smudge', planted('filter-smudge')],
      ['filter.x.process', planted('filter-process', 'false')],
      ['diff.x.textconv', planted('textconv')],
      ['diff.x.command', planted('diff-command', 'true')],
      ['merge.x.driver', planted('merge-driver', 'false')],
      ['credential.helper', planted('credential-helper', 'false')],
    ];
    for (const [key, value] of plant) await repo.git('config', key, value);
  });
  afterAll(async () => {
    if (savedGlobal === undefined) delete process.env.GIT_CONFIG_GLOBAL;
    else process.env.GIT_CONFIG_GLOBAL = savedGlobal;
    await repo?.cleanup();
    await rm(markers, { recursive: true, force: true });
    await rm(globalConfig, { force: true });
  });

  beforeEach(async () => {
    for (const marker of await ran()) await rm(join(markers, marker));
  });

  it('plain git runs them (so the test can tell)', async () => {
    const probe = join(await makeTempDir('kage-probe-'), 'wt');
    // The planted process filter fails the checkout, after it ran.
    await runGitIn(repo.path, ['worktree', 'add', '--detach', probe, 'attempt']).catch(() => {});
    await runGitIn(repo.path, ['status', '--short']);
    expect(await ran()).toEqual(expect.arrayContaining(['filter-process', 'fsmonitor']));
    await runGitIn(repo.path, ['worktree', 'remove', '--force', probe]).catch(() => {});
    await runGitIn(repo.path, ['worktree', 'prune']);
  });

  it('commit, diff, conflict check, merge and push run none of them', async () => {
    const worktree = join(await makeTempDir('kage-guarded-'), 'wt');
    await runGit(repo.path, ['worktree', 'add', '-b', 'kage/guarded', worktree, 'attempt']);
    await writeFile(join(worktree, 'a.txt'), 'changed by the attempt\n');
    await writeFile(join(worktree, 'b.txt'), 'new\n');
    const base = await repo.head('main');
    const recorded = await new ChangeRecorder().commitAll({ worktreePath: worktree, baseCommit: base, message: 'attempt' });
    expect(recorded.filesChanged).toContain('b.txt');
    await new DiffReader().diff({ repoPath: repo.path, baseCommit: base, branch: 'kage/guarded' });
    const conflicts = await mergeTree(repo.path, await repo.head('other'), recorded.headCommit);
    expect(conflicts.clean).toBe(false);
    await mergePreferringSource(new RepoLock(), { repoPath: repo.path, targetCommit: await repo.head('other'), sourceCommit: recorded.headCommit, message: 'merge', squash: false });
    const push = await runGit(repo.path, ['push', 'ssh://127.0.0.1:9/nowhere.git', 'main'], { okExitCodes: [128], timeoutMs: 20_000 });
    expect(push.exitCode).toBe(128);
    // What parks a worktree for reuse: these are run without the config read (config-guard's plumbing).
    await writeFile(join(worktree, 'untracked.txt'), 'left behind\n');
    await runGit(worktree, ['ls-files', '-v', '-z']);
    await runGit(worktree, ['ls-files', '-s', '-z']);
    await runGit(worktree, ['reset', '--hard', '--quiet', '--no-recurse-submodules']);
    await runGit(worktree, ['clean', '-ffdxq']);
    expect(existsSync(join(worktree, 'untracked.txt'))).toBe(false);
    expect(await ran()).toEqual([]);
  });

  it("the user's own filter still runs", async () => {
    const worktree = join(await makeTempDir('kage-guarded-'), 'wt');
    await runGit(repo.path, ['worktree', 'add', '-b', 'kage/users', worktree, 'attempt']);
    await writeFile(join(worktree, 'users.txt'), 'through the user filter\n');
    await new ChangeRecorder().commitAll({ worktreePath: worktree, baseCommit: await repo.head('main'), message: 'users' });
    expect(await ran()).toEqual(['users-own-filter']);
    expect(existsSync(join(markers, 'filter-clean'))).toBe(false);
  });
});
