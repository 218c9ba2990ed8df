/**
 * A user's repository as they have it: Python from pyenv (a shim on PATH → pyenv's libexec →
 * a version in ~/.pyenv/versions), Node from nvm, dependencies installed by the setup from a
 * lock file. Through the real service process with the sandbox on and nothing configured, the
 * user's own test commands run green; a toolchain the sandbox does not show exits 127 with a
 * message that says what it hid and which folder to add.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, driverKinds } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';

/** pyenv's own layout, smaller: the shim execs libexec/pyenv, which execs the selected version. */
async function fakePyenv(root: string): Promise<void> {
  await mkdir(join(root, 'shims'), { recursive: true });
  await mkdir(join(root, 'libexec'), { recursive: true });
  await writeFile(join(root, 'shims', 'python3'), `#!/usr/bin/env bash\nset -e\nprogram="\${0##*/}"\nexec "${root}/libexec/pyenv" exec "$program" "$@"\n`);
  await writeFile(join(root, 'libexec', 'pyenv'), `#!/usr/bin/env bash\nset -e\nshift\nprogram="$1"; shift\nexec "${root}/versions/$(cat "${root}/version")/bin/$program" "$@"\n`);
  for (const file of ['shims/python3', 'libexec/pyenv']) await chmod(join(root, file), 0o755);
  await writeFile(join(root, 'version'), '3.11\n');
  // A real Python installation of that version: a venv of the system's interpreter.
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', join(root, 'versions', '3.11')]);
}

/** A local package index of this machine (the only one it reaches); the pip tests need it. */
const localIndex = '/opt/pypi/simple';
const hasLocalIndex = existsSync(join(localIndex, 'pytest'));

const calc = 'def add(a, b):\n    return a + b\n';
const testCalc = 'import unittest\nfrom calc import add\n\nclass TestAdd(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\nif __name__ == "__main__":\n    unittest.main()\n';

describe.each(driverKinds)("the user's toolchains in the sandbox (%s)", (kind) => {
  let home: string;
  let outside: string;
  let dataDir: string;
  let python: TestRepo;
  let node: TestRepo;
  let service: ServiceProcess;

  beforeAll(async () => {
    home = await makeTempDir('kage-user-home-');
    outside = await makeTempDir('kage-outside-tools-');
    dataDir = await makeTempDir('kage-toolchain-data-');
    await fakePyenv(join(home, '.pyenv'));
    // The user's pip mirror (this machine's packages), with a credential an agent must not see.
    await mkdir(join(home, '.config', 'pip'), { recursive: true });
    await writeFile(
      join(home, '.config', 'pip', 'pip.conf'),
      `[global]\nindex-url = file://${localIndex}\n# fallback: https://kage:planted-secret@127.0.0.1:9/simple\nclient-password = planted-secret\n`,
    );
    // nvm's layout, its node the one this test runs on.
    const nvmBin = join(home, '.nvm', 'versions', 'node', 'v24.0.0', 'bin');
    await mkdir(nvmBin, { recursive: true });
    await symlink(process.execPath, join(nvmBin, 'node'));
    await symlink(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), join(nvmBin, 'npm'));
    // A second version, which a repository may pin with .nvmrc: a node that prints its own version.
    const pinnedBin = join(home, '.nvm', 'versions', 'node', 'v20.99.0', 'bin');
    await mkdir(pinnedBin, { recursive: true });
    await writeFile(join(pinnedBin, 'node'), '#!/bin/sh\necho "pinned node v20.99.0"\n', { mode: 0o755 });
    // A toolchain outside HOME and the system folders, which the sandbox does not show unless told.
    await fakePyenv(join(outside, 'pyenv'));
    python = await createTestRepo();
    await python.commit({ 'calc.py': calc, 'test_calc.py': testCalc, '.gitignore': '.venv/\n__pycache__/\n.pytest_cache/\n' });
    node = await createTestRepo();
    await node.commit({
      'package.json': JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'is-number': '7.0.0' } }),
      'test.js': "const isNumber = require('is-number');\nif (!isNumber(5) || isNumber('x')) process.exit(1);\nconsole.log('ok', process.version);\n",
      '.gitignore': 'node_modules\n',
    });
    execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: node.path, stdio: 'ignore' });
    await node.commit({}, 'lock');
    service = await startServiceProcess({
      KAGE_DATA_DIR: dataDir,
      HOME: home,
      KAGE_SANDBOX: 'bwrap',
      PATH: [join(home, '.pyenv', 'shims'), nvmBin, '/usr/bin', '/bin'].join(':'),
      ...(kind === 'postgres' ? { DATABASE_URL: await createPostgresDatabase() } : {}),
    });
  }, 120_000);
  afterAll(async () => {
    await service?.kill('SIGTERM');
    for (const repo of [python, node]) await repo?.cleanup();
    for (const dir of [home, outside, dataDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  const submit = async (repo: TestRepo, body: Record<string, unknown>) => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'add a comment', repository: { path: repo.path }, agents: [{ agent: 'command', command: ['bash', '-c', 'echo "# checked" >> README.md'] }], ...body },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    return waitForTaskEnd(service, ((await response.json()) as { id: string }).id, 180_000);
  };

  it('health lists what the sandbox shows from HOME', async () => {
    const health = (await (await fetch(`${service.url}/health`)).json()) as { sandbox: { shownFromHome: string[] } };
    expect(health.sandbox.shownFromHome, JSON.stringify(health.sandbox)).toEqual(expect.arrayContaining([join(home, '.pyenv'), join(home, '.nvm')]));
  });

  it("verifies with pyenv's python3 through its shim", async () => {
    const task = await submit(python, { verify: { command: ['python3', 'test_calc.py'] } });
    expect(task.agents[0].verify, JSON.stringify(task.agents[0])).toMatchObject({ passed: true });
  });

  it('sets up a Node project with npm ci from its lock file and verifies with the node nvm gives', async () => {
    const task = await submit(node, { setup: { command: ['npm', 'ci', '--no-audit', '--no-fund'] }, verify: { command: ['node', 'test.js'] } });
    expect(task.agents[0].verify, JSON.stringify(task.agents[0])).toMatchObject({ passed: true });
    expect(task.agents[0].verify.outputTail).toContain('ok v24');
  });

  it('a toolchain the sandbox does not show exits 127 and says which folder to add', async () => {
    const shim = join(outside, 'pyenv', 'shims', 'python3');
    const task = await submit(python, { verify: { command: [shim, 'test_calc.py'] } });
    const verify = task.agents[0].verify as { passed: boolean; exitCode: number; outputTail: string };
    expect(verify).toMatchObject({ passed: false, exitCode: 127 });
    expect(verify.outputTail).toContain(`${outside}/pyenv/libexec/pyenv`);
    expect(verify.outputTail).toContain(`add ${join(outside, 'pyenv')} to KAGE_SANDBOX_READ_PATHS`);
    const events = (await (await service.request(`/api/v1/tasks/${task.id}/events?limit=200`)).json()) as { items: Array<{ type: string; data: { outputTail?: string } }> };
    expect(events.items.find((event) => event.type === 'verify.completed')?.data.outputTail).toContain('KAGE_SANDBOX_READ_PATHS');
  });

  it.skipIf(!hasLocalIndex)("installs from the user's own pip mirror, whose credentials no agent sees", async () => {
    const task = await submit(python, {
      agents: [{ agent: 'command', command: ['bash', '-c', 'cat ~/.config/pip/pip.conf > seen-pip.conf'] }],
      setup: { command: ['bash', '-c', 'python3 -m venv .venv && .venv/bin/pip install -q pytest'], keep: ['.venv'] },
      verify: { command: ['.venv/bin/pytest', '-q', 'test_calc.py'] },
    });
    expect(task.agents[0].verify, JSON.stringify(task.agents[0].verify)).toMatchObject({ passed: true });
    const seen = await python.git('show', `${task.agents[0].branch}:seen-pip.conf`);
    expect(seen).toContain(`index-url = file://${localIndex}`);
    expect(seen).toContain('https://127.0.0.1:9/simple');
    expect(seen).not.toContain('planted-secret');
  }, 240_000);

  it.skipIf(!hasLocalIndex)('a venv kept in the pool works in the next tasks: its scripts name the path it was made at', async () => {
    const setup = { command: ['bash', '-c', 'test -x .venv/bin/pip || python3 -m venv .venv; .venv/bin/pip install -q pytest'], keep: ['.venv'] };
    for (let run = 1; run <= 3; run += 1) {
      const task = await submit(python, { setup, verify: { command: ['.venv/bin/pytest', '-q', 'test_calc.py'] } });
      expect(task.agents[0].verify, `task ${run}: ${JSON.stringify(task.agents[0].verify ?? task.agents[0].error)}`).toMatchObject({ passed: true });
    }
  }, 400_000);

  it("downloads a repository's packages once: its setups share a cache that its agents never see", async () => {
    const caches = join(dataDir, 'caches');
    await rm(caches, { recursive: true, force: true });
    const peek = { agent: 'command', command: ['bash', '-c', 'ls -A ~/.npm/_cacache 2>/dev/null | wc -l > seen-cache.txt'] };
    const first = await submit(node, { agents: [peek, peek], setup: { command: ['npm', 'ci', '--no-audit', '--no-fund'] }, verify: { command: ['node', 'test.js'] } });
    for (const attempt of first.agents) {
      expect(attempt.verify, JSON.stringify(attempt.verify ?? attempt.error)).toMatchObject({ passed: true });
      expect((await node.git('show', `${attempt.branch}:seen-cache.txt`)).trim()).toBe('0');
    }
    const [repositoryCache] = await readdir(caches);
    expect((await readdir(join(caches, repositoryCache!, '.npm', '_cacache'))).length).toBeGreaterThan(0);
    // Offline: only what the first task's setup downloaded.
    const second = await submit(node, { setup: { command: ['npm', 'ci', '--offline', '--no-audit', '--no-fund'] }, verify: { command: ['node', 'test.js'] } });
    expect(second.agents[0].verify, JSON.stringify(second.agents[0].verify ?? second.agents[0].error)).toMatchObject({ passed: true });
  }, 240_000);

  it("runs setup and verify with the Node version the repository pins in .nvmrc, from the user's nvm", async () => {
    const pinned = await createTestRepo();
    try {
      await pinned.commit({ '.nvmrc': '20\n' });
      const task = await submit(pinned, { verify: { command: ['node', '--version'] } });
      expect(task.agents[0].verify, JSON.stringify(task.agents[0].verify)).toMatchObject({ passed: true });
      expect(task.agents[0].verify.outputTail).toContain('pinned node v20.99.0');
      const unpinned = await submit(python, { verify: { command: ['node', '--version'] } });
      expect(unpinned.agents[0].verify.outputTail).toContain('v24');
    } finally {
      await pinned.cleanup();
    }
  }, 120_000);
});
