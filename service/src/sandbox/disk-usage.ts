import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface DiskUsage {
  /** Allocated blocks, so many small files count as what they really use. */
  bytes: number;
  /** The size of the largest file. */
  largestFile: number;
}

/**
 * The disk space the files under `roots` take, without following links. Stops counting once
 * past `stopAbove` bytes.
 */
export async function diskUsage(roots: readonly string[], stopAbove = Number.POSITIVE_INFINITY): Promise<DiskUsage> {
  const usage: DiskUsage = { bytes: 0, largestFile: 0 };
  const pending = [...roots];
  while (pending.length > 0 && usage.bytes <= stopAbove) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      const stats = await lstat(path).catch(() => undefined);
      if (!stats) continue;
      usage.bytes += stats.blocks * 512;
      if (stats.isFile()) usage.largestFile = Math.max(usage.largestFile, stats.size);
    }
  }
  return usage;
}
