import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid}. PGlite allows one process; ` +
        'stop the other one, or set DATABASE_URL to a PostgreSQL server to run several instances.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** An exclusive lock file holding the owner's pid; a stale file (dead pid) is taken over. */
export class DataDirLock {
  private readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, 'kage.lock');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readFileSync(path, 'utf8').trim());
        if (owner && owner !== process.pid && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
        rmSync(path, { force: true });
      }
    }
    throw new Error(`Could not take the lock file ${path}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed owner not yet reaped by its parent is a zombie: it answers signals but holds nothing.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
