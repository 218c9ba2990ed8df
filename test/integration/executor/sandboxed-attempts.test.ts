/**
 * Hostile agents in the sandbox, through the real service process: each probes one way to do
 * harm, in its own attempt beside a well-behaved one, and must fail; the well-behaved attempt
 * finishes normally. The service's HOME holds a planted SSH key and git credentials.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { fixturesDir, startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';
import { taggedProcesses } from '../../support/tagged-processes.ts';

const probe = (...args: string[]) => ({ agent: 'command', command: [process.execPath, join(fixturesDir, 'fake-agents/sandbox-probing-agent.mjs'), ...args] });
const wellBehaved = { agent: 'command', command: [process.execPath, '-e', "require('fs').writeFileSync('fine.txt', 'ok\\n')"] };

interface Attempt {
  label: string;
  status: string;
  error: string | null;
  stopReason: string | null;
  branch: string;
  filesChanged: string[];
  verify: { passed: boolean; outputTail: string } | null;
}

describe('sandboxed attempts', () => {
  let repo: TestRepo;
  let dataDir: string;
  let home: string;
  let service: ServiceProcess;

  beforeAll(async () => {
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-sandbox-data-');
    home = await makeTempDir('kage-sandbox-home-');
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY----- planted\n', { mode: 0o600 });
    await writeFile(join(home, '.git-credentials'), 'https://kage:planted-token@example.com\n', { mode: 0o600 });
    // Files a service keeps in its data folder (the API key's file is written when API_KEYS is unset).
    await writeFile(join(dataDir, 'api-key'), 'kb_planted\n', { mode: 0o600 });
    // Secrets under names of their own, as a service's environment holds them: none may reach an agent.
    const namedLikeSecrets = { PGPASSWORD: 'planted-pg', GITHUB_TOKEN: 'planted-gh', AWS_SECRET_ACCESS_KEY: 'planted-aws', ADMIN_KEY: 'planted-admin' };
    // No pool: each attempt is shown at its own label's path, so "../command-2" is always another attempt's.
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir, HOME: home, KAGE_WORKER_CONCURRENCY: '2', KAGE_WORKTREE_POOL_SIZE: '0', ...namedLikeSecrets });
  });
  afterAll(async () => {
    await service?.kill('SIGTERM');
    await repo?.cleanup();
    for (const dir of [dataDir, home]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(body: Record<string, unknown>): Promise<{ id: string; status: string; agents: Attempt[] }> {
    const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'probe the sandbox', repository: { path: repo.path }, ...body } });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    return (await waitForTaskEnd(service, id, 120_000)) as { id: string; status: string; agents: Attempt[] };
  }

  const report = async (attempt: Attempt) => JSON.parse(await repo.git('show', `${attempt.branch}:probe-report.json`)) as Record<string, { ok: boolean; error?: string }>;

  it('runs in bubblewrap, and says so', async () => {
    const health = (await (await fetch(`${service.url}/health`)).json()) as { sandbox: { mode: string; processLimit: string; memoryLimit: string } };
    expect(health.sandbox).toMatchObject({ mode: 'bwrap', processLimit: 'cgroup', memoryLimit: 'cgroup' });
    const agents = (await (await service.request('/api/v1/agents')).json()) as { sandbox: { mode: string } };
    expect(agents.sandbox.mode).toBe('bwrap');
  });

  it("an agent reads none of the service's secrets, its user's HOME or other repositories", async () => {
    const secrets = [
      join(dataDir, 'api-key'),
      join(dataDir, 'webhook-secret'),
      join(dataDir, 'secret-key'),
      join(dataDir, 'pglite', 'PG_VERSION'),
      join(home, '.ssh', 'id_ed25519'),
      join(home, '.git-credentials'),
      join(repo.path, 'README.md'),
    ];
    for (const file of secrets.slice(0, 4)) expect(existsSync(file), `${file} exists, so the probe means something`).toBe(true);
    // The service's own environment holds API_KEYS; the sandbox has its own process namespace,
    // whose pid 1 is its own init, with the agent's environment.
    secrets.push(`/proc/${service.process.pid}/environ`);
    const task = await run({ agents: [probe('read', ...secrets, '/proc/1/environ', '/proc/self/environ'), wellBehaved] });
    const [hostile, fine] = task.agents as [Attempt, Attempt];
    expect(hostile.status).toBe('succeeded');
    const outcomes = await report(hostile);
    for (const file of secrets) expect(outcomes[file], file).toMatchObject({ ok: false });
    expect(JSON.stringify(outcomes)).not.toMatch(/planted|whsec_|kb_|test-key-0123456789|API_KEYS/);
    expect(outcomes['/proc/1/environ']?.ok).toBe(true);
    expect(outcomes['/proc/self/environ']?.ok).toBe(true);
    expect(fine).toMatchObject({ status: 'succeeded', filesChanged: ['fine.txt'] });
  });

  it("an agent writes nothing outside its worktree: not another attempt's, not the user's checkout, not /etc", async () => {
    const task = await run({ agents: [probe('write', '../command-2/pwned.txt', join(repo.path, 'pwned.txt'), '/etc/pwned', join(dataDir, 'pwned')), wellBehaved] });
    const [hostile, fine] = task.agents as [Attempt, Attempt];
    const outcomes = await report(hostile);
    expect(outcomes['../command-2/pwned.txt']).toMatchObject({ ok: false, error: 'ENOENT' });
    expect(outcomes['/etc/pwned']).toMatchObject({ ok: false, error: 'EROFS' });
    expect(outcomes[join(dataDir, 'pwned')]).toMatchObject({ ok: false, error: 'EROFS' });
    // The user's checkout is not there at all: that path is in the attempt's private /tmp.
    for (const file of [join(repo.path, 'pwned.txt'), '/etc/pwned', join(dataDir, 'pwned')]) expect(existsSync(file), file).toBe(false);
    expect(fine.filesChanged).not.toContain('pwned.txt');
    expect(fine).toMatchObject({ status: 'succeeded', filesChanged: ['fine.txt'] });
  });

  it("an agent cannot move the repository's branches; git add works, and its HEAD is put back before the commit", async () => {
    const mainBefore = await repo.git('rev-parse', 'main');
    const task = await run({ agents: [probe('move-branch', repo.path), wellBehaved] });
    const [hostile, fine] = task.agents as [Attempt, Attempt];
    const outcomes = await report(hostile);
    expect(outcomes['branch -f from the checkout']?.ok).toBe(false);
    expect(outcomes['update-ref from the worktree']?.ok).toBe(false);
    expect(outcomes['branch -f from the worktree']?.ok).toBe(false);
    expect(outcomes['git add in the worktree']?.ok).toBe(true);
    expect(await repo.git('rev-parse', 'main')).toBe(mainBefore);
    // The agent pointed its HEAD at main: the service committed on the attempt's branch anyway.
    expect(hostile.status).toBe('succeeded');
    expect(hostile.filesChanged.sort()).toEqual(['added.txt', 'probe-report.json']);
    expect(await repo.git('show', `${hostile.branch}:added.txt`)).toBe('staged inside the sandbox');
    expect(await repo.git('fsck', '--no-progress')).toBe('');
    expect(fine).toMatchObject({ status: 'succeeded', filesChanged: ['fine.txt'] });
  });

  it('a fork bomb, a 1 GB file and 100,000 small files each stop at their limit, with the reason; the others go on', async () => {
    const task = await run({
      limits: { processes: 64, fileSizeMb: 20, worktreeMb: 40 },
      agents: [probe('fork-bomb'), probe('big-file', '1024'), probe('many-files', '100000'), wellBehaved],
    });
    const [bomb, big, many, fine] = task.agents as [Attempt, Attempt, Attempt, Attempt];
    expect(bomb).toMatchObject({ status: 'failed', stopReason: 'process_limit' });
    expect(bomb.error).toMatch(/more than 64 processes/);
    expect(big).toMatchObject({ status: 'failed', stopReason: 'file_size_limit' });
    expect(big.error).toMatch(/20 MB/);
    expect(many).toMatchObject({ status: 'failed', stopReason: 'disk_limit' });
    expect(many.error).toMatch(/40 MB/);
    expect(fine).toMatchObject({ status: 'succeeded', filesChanged: ['fine.txt'], stopReason: null });
    expect(taggedProcesses(task.id)).toEqual([]);
  });

  it("an agent that takes more memory than its attempt's limit is stopped with memory_limit; the other goes on", async () => {
    const hog = { agent: 'command', command: [process.execPath, '-e', 'const held = []; for (;;) held.push(Buffer.alloc(16 << 20, 1))'] };
    const task = await run({ limits: { memoryMb: 160 }, agents: [hog, wellBehaved] });
    const [hungry, fine] = task.agents as [Attempt, Attempt];
    expect(hungry).toMatchObject({ status: 'failed', stopReason: 'memory_limit' });
    expect(hungry.error).toMatch(/160 MB of memory/);
    expect(fine).toMatchObject({ status: 'succeeded', stopReason: null });
  });

  describe('a verify command with network "none"', () => {
    let listener: Server;
    let connections = 0;
    beforeAll(async () => {
      listener = createServer((socket) => {
        connections += 1;
        socket.end();
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

    const connect = () => {
      const port = (listener.address() as { port: number }).port;
      return [process.execPath, '-e', `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', (e) => { console.log(e.code); process.exit(1); })`];
    };

    it('opens no TCP connection; with the network on, the same command connects', async () => {
      const closed = await run({ agents: [wellBehaved], verify: { command: connect(), network: 'none' } });
      expect(closed.agents[0]!.verify).toMatchObject({ passed: false });
      expect(closed.agents[0]!.verify!.outputTail).toMatch(/ECONNREFUSED|ENETUNREACH/);
      expect(connections).toBe(0);
      const open = await run({ agents: [wellBehaved], verify: { command: connect() } });
      expect(open.agents[0]!.verify).toMatchObject({ passed: true });
      expect(connections).toBe(1);
    });
  });
});
