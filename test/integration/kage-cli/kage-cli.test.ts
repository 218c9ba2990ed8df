/**
 * The `kage` command through the real service (over HTTP, as a user's terminal calls it): submit
 * with agents and a verify command, watch as plain lines (not a terminal), show, ls, diff, and
 * merge, with its exit codes (3 verify failed, 2 a usage mistake) and --json for scripts.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { freePort } from '../../support/free-port.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

const kagePath = fileURLToPath(new URL('../../../service/src/kage/kage.ts', import.meta.url));

describe.each(driverKinds)('kage command on %s', (kind) => {
  let service: TestService;
  let repo: TestRepo;
  const kage = (args: string[], env: Record<string, string> = {}) =>
    execa(process.execPath, [kagePath, ...args], { env: { KAGE_URL: service.url, KAGE_API_KEY: TEST_API_KEY, ...env }, cwd: repo.path, reject: false, timeout: 90_000 });
  const sed = (to: string) => JSON.stringify({ agent: 'command', command: ['sed', '-i', `s/wrold/${to}/`, 'greeting.txt'] });

  beforeAll(async () => {
    service = await startTestService({ kind, listen: true, workers: 2 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('submits, watches in plain lines, shows, lists, diffs and merges', async () => {
    repo = await createTestRepo({ 'greeting.txt': 'Hello, wrold\n' });
    try {
      const submitted = await kage(['submit', 'Fix the typo', '--agent', sed('word'), '--agent', sed('world'), '--', 'grep', '-qx', 'Hello, world', 'greeting.txt']);
      expect(submitted.exitCode, submitted.stderr).toBe(0);
      const id = submitted.stdout.split('\n')[0]!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);

      const watched = await kage(['watch', id]);
      expect(watched.exitCode, watched.stderr).toBe(0);
      expect(watched.stdout).toMatch(/^command-1 agent\.completed succeeded$/m);
      expect(watched.stdout).toMatch(/^command-2 verify\.completed passed$/m);
      expect(watched.stdout).toMatch(/^task\.completed completed winner command-2$/m);
      expect(watched.stdout).toContain(`task ${id}: completed, winner command-2`);
      expect(watched.stdout).not.toContain('\x1b[');

      const shown = await kage(['--json', 'show', id]);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: 'completed', winner: 'command-2', winnerPassedVerify: true });
      expect((await kage(['ls'])).stdout).toContain(`${id}  completed  command-2`);
      expect((await kage(['diff', id, 'command-2'])).stdout).toContain('+Hello, world');

      const refused = await kage(['merge', id, '--agent', 'command-1']);
      expect(refused.exitCode).toBe(3);
      expect(refused.stderr).toContain('not_verified');
      const merged = await kage(['merge', id]);
      expect(merged.exitCode, merged.stderr).toBe(0);
      expect(merged.stdout).toMatch(/^merged: command-2 into main at [0-9a-f]{12}$/m);
      expect(await readFile(`${repo.path}/greeting.txt`, 'utf8')).toBe('Hello, world\n');
    } finally {
      await repo.cleanup();
    }
  });

  it('exits 3 when no attempt passed verify, 2 on a usage mistake, 1 on a refusal', async () => {
    repo = await createTestRepo({ 'greeting.txt': 'Hello, wrold\n' });
    try {
      const failing = await kage(['submit', 'Fix it', '--watch', '--agent', sed('word'), '--', 'grep', '-qx', 'Hello, world', 'greeting.txt']);
      expect(failing.exitCode, failing.stdout + failing.stderr).toBe(3);
      expect(failing.stdout).toContain('verify failed');

      // The whole task from a file, watched as JSON lines (one event each) for a script.
      const file = join(repo.path, '..', `task-${repo.path.split('/').at(-1)}.json`);
      await writeFile(file, JSON.stringify({ description: 'From a file', agents: [JSON.parse(sed('world'))], verify: { command: ['grep', '-qx', 'Hello, world', 'greeting.txt'] } }));
      const fromFile = await kage(['--json', 'submit', '--file', file, '--watch']);
      expect(fromFile.exitCode, fromFile.stderr).toBe(0);
      const events = fromFile.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string });
      expect(events.at(-1)).toMatchObject({ type: 'task.completed', data: { winner: 'command-1' } });
      await rm(file);

      expect((await kage(['show'])).exitCode).toBe(2);
      expect((await kage(['frobnicate'])).exitCode).toBe(2);
      const config = await makeTempDir('kage-config-');
      const noKey = await kage(['ls'], { KAGE_API_KEY: '', XDG_CONFIG_HOME: config });
      expect(noKey.exitCode).toBe(2);
      expect(noKey.stderr).toContain('KAGE_API_KEY');
      // Or the config file, when the environment does not say.
      await mkdir(join(config, 'kage'));
      await writeFile(join(config, 'kage', 'config.json'), JSON.stringify({ url: service.url, apiKey: TEST_API_KEY }));
      const fromConfig = await kage(['--json', 'ls'], { KAGE_URL: '', KAGE_API_KEY: '', XDG_CONFIG_HOME: config });
      expect(fromConfig.exitCode, fromConfig.stderr).toBe(0);
      expect(JSON.parse(fromConfig.stdout)).toMatchObject({ total: expect.any(Number) });
      await writeFile(join(config, 'kage', 'config.json'), JSON.stringify({ url: 'ftp://127.0.0.1', apiKey: TEST_API_KEY }));
      const badConfig = await kage(['ls'], { KAGE_URL: '', XDG_CONFIG_HOME: config });
      expect(badConfig.exitCode).toBe(2);
      expect(badConfig.stderr).toContain('config.json');
      await rm(config, { recursive: true });
      const nobody = await kage(['ls'], { KAGE_URL: `http://127.0.0.1:${await freePort()}` });
      expect(nobody.exitCode).toBe(1);
      expect(nobody.stderr).toMatch(/^kage: cannot reach the service at http:\/\/127\.0\.0\.1:\d+ \(KAGE_URL\): connect ECONNREFUSED/);
      const wrongKey = await kage(['ls'], { KAGE_API_KEY: 'wrong-key-0123456789' });
      expect(wrongKey.exitCode).toBe(1);
      expect(wrongKey.stderr).toContain('unauthorized (401)');
    } finally {
      await repo.cleanup();
    }
  });

  it('follows up on an attempt and watches the new round; cancels a running task', async () => {
    repo = await createTestRepo({ 'greeting.txt': 'Hello, wrold\n' });
    try {
      const done = await kage(['submit', 'Fix the typo', '--watch', '--agent', sed('word'), '--agent', sed('world'), '--', 'grep', '-qx', 'Hello, world', 'greeting.txt']);
      expect(done.exitCode, done.stderr).toBe(0);
      const id = done.stdout.split('\n')[0]!;
      const followed = await kage(['follow-up', id, 'command-1', 'Say world, not word', '--watch']);
      expect(followed.exitCode, followed.stdout + followed.stderr).toBe(0);
      // Only the new round's events: the stream did not stop at the first round's end.
      expect(followed.stdout).toMatch(/^command-1 attempt\.follow_up/m);
      expect(followed.stdout.match(/^task\.completed /gm)).toHaveLength(1);
      expect(followed.stdout).not.toContain('task.queued');

      const slow = await kage(['submit', 'Take your time', '--agent', JSON.stringify({ agent: 'command', command: ['sleep', '60'] })]);
      const slowId = slow.stdout.split('\n')[0]!;
      const cancelled = await kage(['cancel', slowId]);
      expect(cancelled.exitCode, cancelled.stderr).toBe(0);
      expect(cancelled.stdout).toContain(`${slowId}: cancel requested`);
      const watched = await kage(['watch', slowId]);
      expect(watched.exitCode).toBe(5);
      expect(watched.stdout).toContain(`task ${slowId}: cancelled`);
    } finally {
      await repo.cleanup();
    }
  });
});
