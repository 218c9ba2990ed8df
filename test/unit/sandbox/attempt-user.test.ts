import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attemptUser } from '../../../service/src/sandbox/attempt-user.ts';

describe("an attempt's user", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const etcWith = async (passwd: string, group: string) => {
    const etc = await mkdtemp(join(tmpdir(), 'kage-etc-'));
    dirs.push(etc);
    await writeFile(join(etc, 'passwd'), passwd);
    await writeFile(join(etc, 'group'), group);
    return etc;
  };

  it('gets a name where the system has no user of its uid (git commit and whoami look it up)', async () => {
    const etc = await etcWith('root:x:0:0:root:/root:/bin/bash\n', 'root:x:0:\n');
    const user = await attemptUser('/srv/home', join(etc, 'accounts'), etc, { uid: 1000, gid: 1000 });
    expect(user.accountFiles.map((file) => file.target)).toEqual(['/etc/passwd', '/etc/group']);
    expect(await readFile(user.accountFiles[0]!.source, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\nkage-attempt:x:1000:1000:Kage Bunshin attempt:/srv/home:/bin/sh\n');
    expect(await readFile(user.accountFiles[1]!.source, 'utf8')).toBe('root:x:0:\nkage-attempt:x:1000:\n');
  });

  it("keeps the system's files where the user is there", async () => {
    const etc = await etcWith('me:x:1000:1000::/home/me:/bin/sh\n', 'me:x:1000:\n');
    expect((await attemptUser('/home/me', join(etc, 'accounts'), etc, { uid: 1000, gid: 1000 })).accountFiles).toEqual([]);
  });
});
