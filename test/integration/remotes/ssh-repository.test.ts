import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesContaining } from '../../support/files-containing.ts';
import { recordedCalls } from '../../support/recorded-calls.ts';
import { createTestRepo, makeTempDir, runGitIn, type TestRepo } from '../../support/git-repo.ts';
import { type SshGitServer, startSshGitServer } from '../../support/ssh-git-server.ts';
import { startTestService, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');

describe('a task on a repository reached over SSH with a stored key (OpenSSH server, pglite)', () => {
  let origin: TestRepo;
  let bare: string;
  let ssh: SshGitServer;
  let service: TestService;
  let url: string;
  const { call, answers: answers } = recordedCalls(() => (path, init) => service.request(path, init));

  beforeAll(async () => {
    origin = await createTestRepo({ 'README.md': '# app\n' });
    bare = join(await makeTempDir('kage-ssh-repo-'), 'app.git');
    await runGitIn(origin.path, ['clone', '--quiet', '--bare', origin.path, bare]);
    ssh = await startSshGitServer();
    url = ssh.urlFor(bare);
    service = await startTestService({ kind: 'pglite', workers: 1 });
    for (const [name, key] of [['deploy-key', ssh.clientKey], ['stranger', ssh.strangerKey]] as const) {
      expect((await call('/git-credentials', { method: 'POST', json: { name, host: '127.0.0.1', sshKey: key } })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await service?.stop();
    await ssh?.stop();
    await origin?.cleanup();
  });

  it('refuses a key the server does not accept, or a token for an ssh URL, at submit', async () => {
    const agents = [{ agent: 'command', command: ['true'] }];
    const stranger = await call('/tasks', { method: 'POST', json: { description: 'x', repository: { url, credential: 'stranger' }, agents } });
    expect(stranger.body.error.code).toBe('repository_auth_failed');
    await call('/git-credentials', { method: 'POST', json: { name: 'a-token', host: '127.0.0.1', token: 'tok' } });
    const token = await call('/tasks', { method: 'POST', json: { description: 'x', repository: { url, credential: 'a-token' }, agents } });
    expect(token.body.error.code).toBe('credential_kind_mismatch');
    const both = await call('/git-credentials', { method: 'POST', json: { name: 'both', host: 'x.org', token: 't', sshKey: ssh.clientKey } });
    expect(both.status).toBe(400);
  });

  it('runs the attempt from the mirror, pushes its branch over SSH, and keeps the key out of sight', async () => {
    const submitted = await call('/tasks', {
      method: 'POST',
      json: {
        description: 'Add a file',
        repository: { url, credential: 'deploy-key' },
        agents: [{ agent: 'command', command: [process.execPath, join(fakeAgents, 'file-writing-agent.mjs'), 'over-ssh.txt', '3'] }],
      },
    });
    expect(submitted.status).toBe(202);
    const task = await waitForTaskEnd(service, submitted.body.id);
    expect(task.status).toBe('completed');
    const run = task.agents[0];
    expect(await runGitIn(bare, ['rev-parse', `refs/heads/${run.branch}`])).toBe(run.headCommit);
    expect((await call('/git-credentials/deploy-key')).body).toMatchObject({ kind: 'ssh_key', fingerprint: expect.stringMatching(/^sha256:/) });
    await call(`/tasks/${task.id}/events`);
    const keyBody = ssh.clientKey.split('\n')[1]!;
    for (const answer of answers) expect(answer).not.toContain(keyBody);
    // The key was on disk only while git ran: nothing of it is left in the data folder.
    expect(filesContaining(service.dataDir, keyBody)).toEqual([]);
    expect(readdirSync(join(service.dataDir, 'ssh'))).toEqual(['known_hosts']);
  });
});
