/**
 * How a credential reaches git for one command, and only that command.
 * - A token goes as an `http.extraHeader` through git's GIT_CONFIG_* environment: never in an
 *   argv (visible in `ps`), a URL, or a config file of the mirror.
 * - An SSH private key is written, for the command's duration, into a fresh 0700 folder of the
 *   service's data folder and named in GIT_SSH_COMMAND; hosts are trusted on first use and kept
 *   in the data folder's `ssh/known_hosts`.
 * Credential helpers and askpass programs from the user's configuration are switched off, so git
 * neither asks them nor stores anything.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type RemoteAuth = { kind: 'token'; username: string; token: string } | { kind: 'ssh_key'; privateKey: string };

/** Runs `work` with the environment that gives git `auth` (none: no credential, prompts off). */
export async function withRemoteAuth<T>(auth: RemoteAuth | undefined, sshDir: string, work: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const config: Array<[string, string]> = [
    ['credential.helper', ''],
    ['core.askPass', ''],
  ];
  if (auth?.kind === 'token') {
    config.push(['http.extraHeader', `Authorization: Basic ${Buffer.from(`${auth.username}:${auth.token}`).toString('base64')}`]);
  }
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(config.length), GIT_ASKPASS: '', SSH_ASKPASS: '' };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  // Without a stored key, SSH URLs use the service user's own SSH setup, untouched.
  if (auth?.kind !== 'ssh_key') return work(env);
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  const keyDir = await mkdtemp(join(sshDir, 'key-'));
  try {
    const keyFile = join(keyDir, 'id');
    await writeFile(keyFile, auth.privateKey.endsWith('\n') ? auth.privateKey : `${auth.privateKey}\n`, { mode: 0o600 });
    return await work({ ...env, GIT_SSH_COMMAND: sshCommand(keyFile, sshDir) });
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
}

/**
 * git runs GIT_SSH_COMMAND through a shell: the words here are fixed, and the only paths are the
 * service's own (its data folder, a folder it just created), quoted. Nothing from a request.
 */
function sshCommand(keyFile: string, sshDir: string): string {
  const quote = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;
  return [
    'ssh',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=accept-new',
    `-o UserKnownHostsFile=${quote(join(sshDir, 'known_hosts'))}`,
    '-o IdentitiesOnly=yes',
    `-i ${quote(keyFile)}`,
  ].join(' ');
}
