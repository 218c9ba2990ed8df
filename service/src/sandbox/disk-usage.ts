import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The disk space the files under `roots` take (allocated blocks, so many small files count as
 * what they really use), without following links. Stops counting once past `stopAbove`.
 */
export async function diskUsageBytes(roots: readonly string[], stopAbove = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const pending = [...roots];
  while (pending.length > 0 && total <= stopAbove) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      const stats = await lstat(path).catch(() => undefined);
      total += stats ? stats.blocks * 512 : 0;
    }
  }
  return total;
}
