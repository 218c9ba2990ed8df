import { mkdir, mkdtemp, readdir, readFile, readlink, lstat, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceFile } from '../../../service/src/git/worktree-cleaning.ts';

describe('replaceFile, which puts back a worktree link or HEAD an agent may have changed', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'kage-replace-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('replaces a file, leaving nothing else behind', async () => {
    await writeFile(join(folder, '.git'), 'gitdir: /elsewhere\n');
    await replaceFile(join(folder, '.git'), 'gitdir: /right\n');
    expect(await readFile(join(folder, '.git'), 'utf8')).toBe('gitdir: /right\n');
    expect(await readdir(folder)).toEqual(['.git']);
  });

  it('replaces a planted link itself and never writes through it', async () => {
    const target = join(folder, 'outside.txt');
    await writeFile(target, 'untouched\n');
    await symlink(target, join(folder, '.git'));
    await replaceFile(join(folder, '.git'), 'gitdir: /right\n');
    expect((await lstat(join(folder, '.git'))).isSymbolicLink()).toBe(false);
    expect(await readFile(join(folder, '.git'), 'utf8')).toBe('gitdir: /right\n');
    expect(await readFile(target, 'utf8')).toBe('untouched\n');
    await expect(readlink(join(folder, '.git'))).rejects.toThrow();
  });

  it('replaces a directory put in its place', async () => {
    await mkdir(join(folder, '.git', 'objects'), { recursive: true });
    await replaceFile(join(folder, '.git'), 'gitdir: /right\n');
    expect(await readFile(join(folder, '.git'), 'utf8')).toBe('gitdir: /right\n');
    expect(await readdir(folder)).toEqual(['.git']);
  });
});
