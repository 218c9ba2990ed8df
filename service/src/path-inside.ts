import { isAbsolute, relative, sep } from 'node:path';

/** Whether `path` is `root` or lies under it (both resolved): the check before touching a path a request named. */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
