/**
 * Every `kage-bunshin …` command line that Dockerfile, compose.yaml, the systemd unit and the
 * README's install section show (serve and mcp aside: the tarball and MCP tests run them) runs, on PostgreSQL and
 * on PGlite, and does what it says.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, driverKinds } from '../../support/databases.ts';
import { isTemplate, runCli, shownCommands } from '../../support/shown-commands.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe.each(driverKinds)('the command lines shown, on %s', (kind) => {
  it('run and succeed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kage-shown-commands-'));
    dirs.push(dataDir);
    const env: Record<string, string> = { KAGE_DATA_DIR: dataDir, ...(kind === 'postgres' ? { DATABASE_URL: await createPostgresDatabase() } : {}) };
    // serve and mcp are servers (mcp on stdio, calling a running service): their own tests run them.
    const runnable = shownCommands().filter((args) => !['serve', 'mcp'].includes(args[0]!) && !isTemplate(args));
    expect(runnable.map((args) => args.slice(0, 2).join(' '))).toEqual(expect.arrayContaining(['migrate', 'keys list', 'keys create', 'version']));
    for (const args of runnable) {
      const run = runCli(args, env);
      expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: '' });
    }
    // The key the README makes for n8n is in the database, with its scopes and no secret listed.
    const listed = JSON.parse(runCli(['keys', 'list'], env).stdout) as { name: string; scopes: string[]; secret?: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ name: 'n8n', scopes: ['tasks:read', 'tasks:write', 'merge', 'webhooks'] }));
    expect(listed.every((key) => key.secret === undefined)).toBe(true);
  }, 120_000);
});
