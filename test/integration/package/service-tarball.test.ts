/**
 * The service as a user installs it without a checkout: scripts/pack-service's tarball, installed
 * into an empty folder with a fresh npm cache (dependencies from the registry), started with the
 * README's quick start (`npx kage-bunshin`, the generated key from the default data folder, the
 * README's task body) on PGlite and on PostgreSQL. An ACP attempt beside the command one runs the
 * compiled bridge. Slow (a build and a registry install): run by .ci/run with KAGE_PACKAGE_TEST=1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, driverKinds } from '../../support/databases.ts';
import { freePort } from '../../support/free-port.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { fixturesDir, testReadPaths } from '../../support/service-process.ts';
import { readRepoFile } from '../../support/shown-commands.ts';
import { until } from '../../support/until.ts';

const repoRoot = join(import.meta.dirname, '../../..');
const withNode24 = join(repoRoot, 'scripts/with-node24');

/** The environment of a user's shell: none of the npm settings `npm test` hands its children. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && !['DATABASE_URL', 'API_KEYS', 'KAGE_DATA_DIR', 'INIT_CWD'].includes(name)));
  return { ...env, ...extra };
}

/** The README's quick start: its task body (the repository path is the user's). */
function quickStartTask(): { description: string; repository: { path: string }; agents: { agent: string; command?: string[] }[] } {
  const readme = readRepoFile('README.md');
  const block = readme.slice(readme.indexOf('<!-- quick-start'), readme.indexOf('```\n', readme.indexOf('<!-- quick-start') + 30));
  const body = /-d '(\{[\s\S]*?\})'/.exec(block)?.[1];
  if (!body) throw new Error('no task body in the README quick start');
  expect(block).toContain('npx kage-bunshin ');
  expect(block).toContain('KEY=$(cat ~/.local/share/kage-bunshin/api-key)');
  return JSON.parse(body) as ReturnType<typeof quickStartTask>;
}

describe.runIf(process.env.KAGE_PACKAGE_TEST === '1')('the kage-bunshin package, installed from its tarball', () => {
  let scratch: string;
  let tarball: string;
  let app: string;
  let repo: TestRepo;

  beforeAll(async () => {
    scratch = await makeTempDir('kage-package-');
    const packed = await execa(join(repoRoot, 'scripts/pack-service'), [join(scratch, 'packed')], { stdin: 'ignore', env: userEnv({}) });
    tarball = packed.stdout.trim().split('\n').at(-1)!;
    app = join(scratch, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), '{"name": "kage-install-check", "private": true}\n');
    await execa(withNode24, ['npm', 'install', '--cache', join(scratch, 'npm-cache'), '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app, stdin: 'ignore', env: userEnv({}) });
    repo = await createTestRepo();
  }, 600_000);

  afterAll(async () => {
    await repo?.cleanup();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('holds only what runs: the compiled modules, the assets the pages load, the migrations', async () => {
    const { stdout } = await execa('tar', ['-tzf', tarball]);
    const listed = stdout.split('\n').filter(Boolean).sort();
    const src = join(repoRoot, 'service/src');
    const modules = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.ts') && !path.startsWith('web/assets/'));
    const assets = readdirSync(join(src, 'web/assets'));
    const migrations = readdirSync(join(repoRoot, 'migrations')).filter((name) => name.endsWith('.sql'));
    const expected = [
      'package/package.json',
      ...modules.map((path) => `package/dist/${path.replace(/\.ts$/, '.js')}`),
      ...assets.map((name) => `package/dist/web/assets/${name}`),
      ...migrations.map((name) => `package/dist/migrations/${name}`),
    ].sort();
    expect(listed).toEqual(expected);
    expect(listed.filter((path) => path.endsWith('.map') || path.endsWith('.ts'))).toEqual([]);
  });

  it('answers version through npx', async () => {
    const version = await execa(withNode24, ['npx', 'kage-bunshin', 'version'], { cwd: app, stdin: 'ignore', env: userEnv({}) });
    expect(version.stdout).toBe((JSON.parse(readRepoFile('service/package.json')) as { version: string }).version);
  });

  describe.each(driverKinds)('the README quick start on %s', (kind) => {
    let home: string;
    let service: ChildProcess | undefined;
    let output = '';

    afterAll(async () => {
      if (service?.pid !== undefined && service.exitCode === null) {
        const exited = new Promise((resolve) => service!.once('exit', resolve));
        process.kill(-service.pid, 'SIGTERM');
        await exited;
      }
    });

    it('serves, runs a command agent and an ACP agent on a local repository, and completes the task', async () => {
      home = await makeTempDir('kage-package-home-');
      const port = await freePort();
      const databaseUrl = kind === 'postgres' ? await createPostgresDatabase() : undefined;
      const env = userEnv({ HOME: home, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', KAGE_SANDBOX_READ_PATHS: testReadPaths, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
      if (databaseUrl) await execa(withNode24, ['npx', 'kage-bunshin', 'migrate'], { cwd: app, stdin: 'ignore', env });

      // Its own process group: npx's children go with it at the end.
      service = spawn(withNode24, ['npx', 'kage-bunshin'], { cwd: app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      service.stdout!.on('data', (chunk) => (output += chunk));
      service.stderr!.on('data', (chunk) => (output += chunk));
      const url = `http://127.0.0.1:${port}`;
      const health = await until('the installed service to answer /health', async () => {
        // A service that stopped will not answer: say so at once, with what it wrote.
        if (service!.exitCode !== null) return { status: `exited with ${service!.exitCode}`, database: '' };
        const response = await fetch(`${url}/health`);
        return response.ok ? ((await response.json()) as { status: string; database: string }) : undefined;
      }, 90_000);
      expect(health, output).toMatchObject({ status: 'ok', database: kind });

      const key = (await readFile(join(home, '.local/share/kage-bunshin/api-key'), 'utf8')).trim();
      expect(output).toContain(key);
      const headers = { 'X-API-Key': key, 'Content-Type': 'application/json' };
      const readme = quickStartTask();
      const task = { ...readme, repository: { ...readme.repository, path: repo.path }, agents: [...readme.agents, { agent: 'acp', command: ['node', join(fixturesDir, 'fake-agents/acp-probing-agent.mjs')] }] };
      const submitted = await fetch(`${url}/api/v1/tasks`, { method: 'POST', headers, body: JSON.stringify(task) });
      expect(submitted.status, await submitted.clone().text()).toBe(202);
      const { id } = (await submitted.json()) as { id: string };

      type TaskView = { status: string; agents: { agent: string; status: string; filesChanged: string[] }[] };
      const done = await until('the task to end', async () => {
        const view = (await (await fetch(`${url}/api/v1/tasks/${id}`, { headers })).json()) as TaskView;
        return ['completed', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
      }, 120_000);
      expect(done.status, JSON.stringify(done)).toBe('completed');
      expect(done.agents.map(({ agent, status }) => ({ agent, status }))).toEqual([
        { agent: 'command', status: 'succeeded' },
        { agent: 'acp', status: 'succeeded' },
      ]);
      expect(done.agents[0]!.filesChanged).toEqual(['NOTE.md']);

      // What the review pages load comes from the package and its dependencies.
      for (const asset of ['ui.css', 'task-page.js', 'diff2html-ui.js', 'diff2html.css']) {
        expect((await fetch(`${url}/ui/assets/${asset}`)).status, asset).toBe(200);
      }
      expect((await fetch(`${url}/docs`)).status).toBe(200);

      if (databaseUrl) {
        // keys works beside the running service on a shared database; the key it makes is live at once.
        const made = await execa(withNode24, ['npx', 'kage-bunshin', 'keys', 'create', '--name', 'reader', '--scope', 'tasks:read-all'], { cwd: app, stdin: 'ignore', env });
        const { secret } = JSON.parse(made.stdout) as { secret: string };
        expect((await fetch(`${url}/api/v1/tasks/${id}`, { headers: { 'X-API-Key': secret } })).status).toBe(200);
      }
    }, 300_000);
  });
});
