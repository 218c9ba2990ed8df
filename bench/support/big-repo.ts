/**
 * A git repository with many files for the fan-out benchmark: `files` small source files in
 * 100 folders, one commit on `main`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestRepo, type TestRepo } from '../../test/support/git-repo.ts';

export async function createBigRepo(files: number): Promise<TestRepo> {
  const repo = await createTestRepo({ 'README.md': '# benchmark repository\n' });
  const perFolder = Math.ceil(files / 100);
  for (let folder = 0; folder * perFolder < files; folder += 1) {
    const dir = join(repo.path, 'src', `module-${folder}`);
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = folder * perFolder; i < Math.min(files, (folder + 1) * perFolder); i += 1) {
      writes.push(writeFile(join(dir, `file-${i}.ts`), `export const value${i} = ${i};\n// ${'x'.repeat(200)}\n`));
    }
    await Promise.all(writes);
  }
  await repo.git('add', '--all');
  await repo.git('commit', '--quiet', '-m', `${files} files`);
  return repo;
}
