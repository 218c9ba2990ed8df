import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * Finds an executable the way a shell would: a path (absolute or with a slash) is taken as is,
 * a bare name is searched in each PATH folder. Undefined when there is no executable file.
 */
export function findExecutable(nameOrPath: string, pathEnv: string | undefined = process.env.PATH): string | undefined {
  if (nameOrPath === '') return undefined;
  if (isAbsolute(nameOrPath) || nameOrPath.includes('/')) {
    const full = resolve(nameOrPath);
    return isExecutableFile(full) ? full : undefined;
  }
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, nameOrPath);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
