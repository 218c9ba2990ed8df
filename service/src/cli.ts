#!/usr/bin/env node
/**
 * The `kage-bunshin` command (the published package's bin): `serve` (the default) and `migrate`
 * are main.ts's, which reads its command from argv itself; `keys`, `mcp` and `version` are here.
 * `keys` works on the database directly, so a server's first admin key can be made on the server
 * without one (and narrower keys without exposing an admin key to a shell).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ApiKeyStore, type ApiKeyRecord } from './access/api-key-store.ts';
import { CreateKeyBody, KeyIdParam } from './api/schemas/key-schemas.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { runMigrations } from './db/migrations.ts';
import { openDb } from './db/open-db.ts';
import { NotFoundError } from './refusal.ts';

const usage = `Usage: kage-bunshin [command]

  serve               run the service (the default); settings are environment variables
  migrate             apply the database migrations and exit
  keys list           the API keys kept in the database (no secrets)
  keys create --name NAME --scope SCOPE [--scope SCOPE ...] [--repository-root DIR ...]
              [--agent AGENT ...] [--expires-at ISO-8601]
                      make a key; its secret is printed once
  keys delete ID      revoke a key
  mcp                 serve MCP on stdin and stdout for a coding agent, calling the running
                      service at KAGE_URL (default http://127.0.0.1:8000) with KAGE_API_KEY
  version             print the version
  help                this text
`;

/** A mistake in the command line: the usage is printed with it. */
class UsageError extends Error {}

const packageJson = z.object({ version: z.string() });

/** service/package.json: one level above both src/cli.ts and the published dist/cli.js. */
function version(): string {
  return packageJson.parse(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))).version;
}

async function keys(args: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      'repository-root': { type: 'string', multiple: true },
      agent: { type: 'string', multiple: true },
      'expires-at': { type: 'string' },
    },
  });
  const [action, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  // Checked before the database opens: a typo must not wait for PostgreSQL or take PGlite's lock.
  const newKey =
    action === 'create'
      ? CreateKeyBody.safeParse({ name: values.name, scopes: values.scope, repositoryRoots: values['repository-root'], allowedAgents: values.agent, expiresAt: values['expires-at'] })
      : undefined;
  if (newKey && !newKey.success) throw new UsageError(newKey.error.issues.map((issue) => `--${optionOf(issue.path[0])}: ${issue.message}`).join('\n'));
  if (action === 'delete' && !KeyIdParam.safeParse({ id }).success) throw new UsageError('keys delete needs a key id (16 hex digits, from keys list)');
  if (action !== 'list' && action !== 'create' && action !== 'delete') throw new UsageError(`unknown keys action "${action ?? ''}"; use list, create or delete`);

  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await runMigrations(db);
    const store = new ApiKeyStore(db);
    if (action === 'list') {
      print((await store.list()).map(present));
    } else if (newKey?.success) {
      const body = newKey.data;
      const { record, secret } = await store.create({ ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined }, 'cli');
      print({ ...present(record), secret });
    } else {
      await store.delete(id!);
      print({ deleted: id });
    }
  } finally {
    await db.close();
  }
}

function optionOf(field: PropertyKey | undefined): string {
  const options: Record<string, string> = { scopes: 'scope', repositoryRoots: 'repository-root', allowedAgents: 'agent', expiresAt: 'expires-at' };
  return options[String(field)] ?? String(field);
}

function present(record: ApiKeyRecord) {
  return {
    id: record.keyId,
    name: record.name,
    scopes: record.scopes,
    repositoryRoots: record.repositoryRoots,
    allowedAgents: record.allowedAgents,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
  };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function cli(command: string | undefined, args: string[]): Promise<void> {
  switch (command) {
    case undefined:
    case 'serve':
    case 'migrate':
      // main.ts starts on import and reads the same argv.
      await import('./main.ts');
      return;
    case 'keys':
      return keys(args);
    case 'mcp': {
      if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`);
      // Imported here: the other commands need no MCP SDK.
      const { serveStdio, stdioSettings } = await import('./mcp/stdio.ts');
      return serveStdio(stdioSettings(process.env));
    }
    case 'version':
    case '--version':
      process.stdout.write(`${version()}\n`);
      return;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

cli(process.argv[2], process.argv.slice(3)).catch((error: unknown) => {
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`${error.message}\n\n${usage}`);
    process.exit(2);
  }
  if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof NotFoundError || (error instanceof Error && error.name === 'McpSettingsError')) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`kage-bunshin: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
