/**
 * Verify that cannot be gamed, through the real service process with the sandbox on, on both
 * databases: four attempts at one seeded bug (a correct fix, a wrong fix, one that deletes the
 * failing test, one that edits its assertion). The tests are protected (`verify.protect`): the
 * correct fix wins, the cheats never do, and their reasons say why in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protectedChanges, protectedGlobs } from '../../../service/src/executor/protected-files.ts';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startServiceOn } from '../../support/service-process.ts';
import { waitForTaskEnd } from '../../support/service-harness.ts';

const buggy = 'def add(a, b):\n    return a - b\n';
const tests = 'import unittest\nfrom calc import add\n\nclass TestAdd(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\nunittest.main()\n';

/** An agent that writes files: argv for the `command` agent. */
const writes = (files: Record<string, string | null>) => ({
  agent: 'command',
  command: [
    process.execPath,
    '-e',
    `const fs = require('fs'); for (const [f, c] of Object.entries(${JSON.stringify(files)})) c === null ? fs.rmSync(f) : fs.writeFileSync(f, c);`,
  ],
});

interface Attempt {
  label: string;
  verify: { passed: boolean; protectedChanged?: string[]; outputTail: string };
  score: { rank: number; reasons: string[] };
}

describe.each(driverKinds)('cheats on %s', (kind) => {
  let repo: TestRepo;
  let service: Awaited<ReturnType<typeof startServiceOn>>;

  beforeAll(async () => {
    repo = await createTestRepo();
    await repo.commit({ 'calc.py': buggy, 'test_calc.py': tests });
    service = await startServiceOn(kind, { KAGE_SANDBOX: 'bwrap' });
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
  });

  it('the correct fix wins; deleting the test or weakening its assertion never does', async () => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'fix add()',
        repository: { path: repo.path },
        verify: { command: ['/usr/bin/python3', 'test_calc.py'], protect: ['test_*.py'] },
        agents: [
          // The cheats first and smallest: without protection they would win on diff size.
          writes({ 'test_calc.py': null }),
          writes({ 'test_calc.py': tests.replace('5)', 'add(2, 3))') }),
          writes({ 'calc.py': 'def add(a, b):\n    return a * b\n' }),
          writes({ 'calc.py': '# add two numbers, fixed after the bug report\ndef add(a, b):\n    return a + b\n' }),
        ],
      },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const task = await waitForTaskEnd(service, ((await response.json()) as { id: string }).id, 180_000);
    const [deleted, weakened, wrong, right] = task.agents as Attempt[];
    expect(task.winner).toBe(right!.label);
    expect(right!.verify).toMatchObject({ passed: true });
    expect(wrong!.verify, JSON.stringify(wrong)).toMatchObject({ passed: false });
    for (const cheat of [deleted!, weakened!]) {
      // Judged by the tests it was given: the bug is still there, so verify fails.
      expect(cheat.verify).toMatchObject({ passed: false, protectedChanged: ['test_calc.py'] });
      expect(cheat.verify.outputTail).toContain('run as the base commit has them: test_calc.py');
      expect(cheat.score.reasons[0]).toMatch(/changed protected files \(test_calc\.py\).*ranks below every attempt that left them alone/);
      expect(cheat.score.rank).toBeGreaterThan(wrong!.score.rank);
    }
    // The attempts' own versions stay on their branches.
    await expect(repo.git('cat-file', '-e', `${(task.agents[0] as { branch: string }).branch}:test_calc.py`)).rejects.toThrow();
    expect(await repo.git('show', `${(task.agents[1] as { branch: string }).branch}:test_calc.py`)).toContain('add(2, 3))');
    // What best-of-three's merge of the winner brings home: the correct fix, with the tests as they were.
    const merged = await service.request(`/api/v1/tasks/${task.id}/merge`, { method: 'POST', json: { agent: 'best', strategy: 'auto' } });
    expect(merged.status, await merged.clone().text()).toBe(200);
    expect(await repo.git('show', 'main:calc.py')).toContain('return a + b');
    expect(await repo.git('show', 'main:test_calc.py')).toBe(tests.trimEnd());
  }, 200_000);
});

describe('protected files named by .kage.json', () => {
  it("are read at the base commit, so an attempt's own .kage.json cannot unprotect them", async () => {
    const repo = await createTestRepo();
    try {
      const base = await repo.commit({ '.kage.json': JSON.stringify({ verify: { protect: ['tests/**'] } }) });
      const head = await repo.commit({ '.kage.json': JSON.stringify({ verify: { protect: [] } }), 'tests/a.py': 'weakened\n' });
      const globs = await protectedGlobs(repo.path, base, undefined);
      expect(globs).toEqual(['tests/**']);
      expect(await protectedChanges(repo.path, base, head, globs)).toEqual(['tests/a.py']);
      expect(await protectedGlobs(repo.path, base, ['x'])).toEqual(['x']);
    } finally {
      await repo.cleanup();
    }
  });
});
