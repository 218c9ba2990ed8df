/**
 * The README's "A first task, no AI needed", run as written: its bash blocks, in a fresh folder,
 * against the service as a process on a port and data folder that are not the defaults (given
 * only as PORT and KAGE_DATA_DIR, as the README tells a user to export them).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The section's bash blocks, in order. */
function firstTaskScript(): string {
  const start = readme.indexOf('## A first task, no AI needed');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  return blocks.join('\n');
}

describe("the README's first task", () => {
  let service: ServiceProcess;
  let dataDir: string;
  let workDir: string;

  beforeAll(async () => {
    dataDir = await makeTempDir('kage-readme-data-');
    workDir = await makeTempDir('kage-readme-work-');
    // API_KEYS unset: the key the README reads is the one generated into KAGE_DATA_DIR.
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir, API_KEYS: '' });
  });
  afterAll(async () => {
    await service?.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  it('runs as written: two attempts, verify picks the right one, the unverified merge is refused, the winner is merged', async () => {
    const identity = { GIT_AUTHOR_NAME: 'Reader', GIT_AUTHOR_EMAIL: 'reader@example.com', GIT_COMMITTER_NAME: 'Reader', GIT_COMMITTER_EMAIL: 'reader@example.com' };
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, PORT: new URL(service.url).port, KAGE_DATA_DIR: dataDir, ...identity };
    const { stdout } = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', firstTaskScript()], { cwd: workDir, env, timeout: 60_000 });
    const task = /\/ui\/tasks\/([0-9a-f-]{36})\n/.exec(stdout)?.[1];
    expect(task, stdout).toBeDefined();
    expect(stdout).toContain('event: task.completed');
    expect(stdout).toContain('"winner":"command-2"');
    expect(stdout).toContain('+Hello, world');
    expect(stdout).toContain('"code":"not_verified"');
    expect(stdout).toMatch(/"status":"merged","targetBranch":"main"/);
    expect(stdout).toMatch(/Merge command-2 \(command\): Fix the typo in greeting.txt\nHello, world\n$/);
    expect(readFileSync(join(workDir, 'kage-demo/greeting.txt'), 'utf8')).toBe('Hello, world\n');
  });
});
