/**
 * Who an attempt's processes are: the service's own user, or, when the service is root, an
 * unprivileged uid mapped to root outside (the files it writes stay the service's, but it holds
 * no capability inside). That uid must have a name: `git commit` and `whoami` look it up in
 * /etc/passwd, and Node's `os.userInfo()` throws without it. Where the system has no such user,
 * the sandbox's /etc/passwd and /etc/group are the system's plus one line each.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const unprivilegedId = 1000;

export interface AttemptUser {
  uid: number;
  gid: number;
  /** Files shown over the system's (its /etc/passwd and /etc/group with the attempt's user), if it needs them. */
  accountFiles: Array<{ source: string; target: string }>;
}

function hasEntry(file: string, id: number): boolean {
  try {
    return readFileSync(file, 'utf8').split('\n').some((line) => line.split(':')[2] === String(id));
  } catch {
    return false;
  }
}

/** The ids the service's user runs attempts as, without writing anything. */
export function insideIds(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return uid === 0 ? { uid: unprivilegedId, gid: unprivilegedId } : { uid, gid };
}

/** The attempts' user, with account files written into `folder` when the system (`etc`) lacks the user. */
export async function attemptUser(home: string, folder: string, etc = '/etc', ids = insideIds()): Promise<AttemptUser> {
  const { uid, gid } = ids;
  const accountFiles: AttemptUser['accountFiles'] = [];
  const add = async (name: 'passwd' | 'group', id: number, line: string) => {
    if (hasEntry(join(etc, name), id)) return;
    let system = '';
    try {
      system = readFileSync(join(etc, name), 'utf8');
    } catch {
      // No such file: the added line alone.
    }
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, name), `${system}${system === '' || system.endsWith('\n') ? '' : '\n'}${line}\n`);
    accountFiles.push({ source: join(folder, name), target: `/etc/${name}` });
  };
  await add('passwd', uid, `kage-attempt:x:${uid}:${gid}:Kage Bunshin attempt:${home}:/bin/sh`);
  await add('group', gid, `kage-attempt:x:${gid}:`);
  return { uid, gid, accountFiles };
}
