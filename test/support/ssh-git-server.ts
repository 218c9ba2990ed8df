/**
 * A real git server over SSH on loopback: Debian's OpenSSH server (`sshd`, package
 * openssh-server), run in the foreground on a free port with its own host key and one
 * authorised client key, serving repositories by absolute path (`ssh://<user>@127.0.0.1:<port>/…`).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from './git-repo.ts';
import { freePort } from './free-port.ts';
import { until } from './until.ts';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface SshGitServer {
  /** The URL of a bare repository at `path` on this server. */
  urlFor(path: string): string;
  /** The private key the server accepts (OpenSSH form, no passphrase). */
  clientKey: string;
  /** Another key, which the server does not accept. */
  strangerKey: string;
  stop(): Promise<void>;
}

export async function startSshGitServer(): Promise<SshGitServer> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install openssh-server (the README's test setup)`);
  const dir = await makeTempDir('kage-sshd-');
  const keygen = (name: string) => run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  await Promise.all([keygen('host_key'), keygen('client_key'), keygen('stranger_key')]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')), { mode: 0o600 });
  const port = await freePort();
  const user = userInfo().username;
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AllowUsers ${user}`,
    ].join('\n') + '\n',
  );
  // sshd insists on its privilege-separation folder.
  await mkdir('/run/sshd', { recursive: true }).catch(() => {});
  const sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr.on('data', (chunk) => (log += chunk));
  await until(`sshd listening on ${port}`, async () => ((await isListening(port)) ? true : undefined), 10_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}: ${log}`);
  });
  return {
    urlFor: (path) => `ssh://${user}@127.0.0.1:${port}${path}`,
    clientKey: await readFile(join(dir, 'client_key'), 'utf8'),
    strangerKey: await readFile(join(dir, 'stranger_key'), 'utf8'),
    async stop() {
      sshd.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
