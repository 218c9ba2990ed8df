import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';

// Writes what it found in its worktree to seen.txt: the copied .env, and what setup installed.
const inspector = [
  process.execPath,
  '-e',
  "const fs = require('fs'); const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : 'missing'); fs.writeFileSync('seen.txt', `env=${read('.env')} deps=${read('deps/installed.txt')}\\n`)",
];

describe('attempt setup: local files copied in, the setup command run first (pglite)', () => {
  let repo: TestRepo;
  let service: TestService;
  const submit = async (extra: Record<string, unknown>) => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'Look around', repository: { path: repo.path }, agents: [{ agent: 'command', command: inspector }], ...extra },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    repo = await createTestRepo({
      'README.md': '# app\n',
      '.gitignore': '.env\ndeps/\n',
      '.kage.json': JSON.stringify({ setup: { command: [process.execPath, '-e', "require('fs').mkdirSync('deps'); require('fs').writeFileSync('deps/installed.txt', 'installed')"] }, editor: 'kept for others' }),
    });
    await repo.write({ '.env': 'SECRET=local\n', 'notes.local': 'my notes\n' });
    service = await startTestService({ kind: 'pglite', workers: 1 });
  });
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
  });

  it("copies the task's files and runs .kage.json's command before the agent; copied files are never committed", async () => {
    const { body } = await submit({ setup: { copy: ['.env', '*.local', 'README.md'] } });
    const task = await waitForTaskEnd(service, body.id);
    expect(task.status, task.agents[0].error).toBe('completed');
    const run = task.agents[0];
    expect(await repo.git('show', `${run.branch}:seen.txt`)).toBe('env=SECRET=local deps=installed');
    // The copies (and what setup installed, ignored) stay out of the attempt's commit; the tracked README was not copied.
    expect(run.filesChanged).toEqual(['seen.txt']);
    const events = (await service.services.events.listAfter(task.id, 0, 100)).filter((event) => event.type === 'attempt.setup');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ passed: true, copied: ['.env', 'notes.local'], exitCode: 0 });
    // The user's checkout is as it was.
    expect(await readFile(join(repo.path, '.env'), 'utf8')).toBe('SECRET=local\n');
    expect(await repo.git('status', '--porcelain')).toBe('?? notes.local');
  });

  it('fails the attempt whose setup fails, saying what the command said; the task field wins over .kage.json', async () => {
    const { body } = await submit({ setup: { command: [process.execPath, '-e', "console.error('cannot install'); process.exit(3)"] } });
    const task = await waitForTaskEnd(service, body.id);
    expect(task.status).toBe('failed');
    expect(task.agents[0].error).toMatch(/^setup failed with exit code 3 after \d+\.\d s; last lines: cannot install$/);
  });

  it("names the setup's first errors when its end does not (pip's cause is lines above its last three)", async () => {
    const noisy = "console.log('Collecting foo'); console.log('ERROR: No matching distribution found for foo==9'); for (let i = 1; i <= 40; i += 1) console.log('noise ' + i); process.exit(1)";
    const { body } = await submit({ setup: { command: [process.execPath, '-e', noisy] } });
    const task = await waitForTaskEnd(service, body.id);
    expect(task.agents[0].error).toMatch(/^setup failed with exit code 1 after \d+\.\d s; first errors: ERROR: No matching distribution found for foo==9; last lines: noise 38 \| noise 39 \| noise 40$/);
  });

  it('refuses copy globs that leave the repository, and copy on a URL repository', async () => {
    for (const copy of [['../outside'], ['/etc/passwd']]) {
      const { status, body } = await submit({ setup: { copy } });
      expect(status).toBe(400);
      expect(JSON.stringify(body.error)).toContain('setup.copy');
    }
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'x', repository: { url: 'https://example.com/acme/app.git' }, agents: [{ agent: 'command', command: inspector }], setup: { copy: ['.env'] } },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('copy_needs_local_repository');
  });
});
