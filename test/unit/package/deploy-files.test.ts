/**
 * Dockerfile, compose.yaml and the systemd unit cannot be built or run here (no Docker engine, no
 * image registry, no systemd as init): this keeps them in step with the package instead. The
 * files they copy exist or scripts/pack-service writes them, every `kage-bunshin …` they (and the
 * README's install section) run is accepted by the real command, the settings they set are the
 * service's, and the container and the unit agree on user, data folder, port and command.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isTemplate, readRepoFile as read, runCli, shownCommands } from '../../support/shown-commands.ts';

const repoRoot = join(import.meta.dirname, '../../..');
const dockerfile = read('Dockerfile');
const compose = read('compose.yaml');
const unit = read('deploy/kage-bunshin.service');
const bin = Object.keys((JSON.parse(read('service/package.json')) as { bin: Record<string, string> }).bin)[0]!;

const scratch = mkdtempSync(join(tmpdir(), 'kage-deploy-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The Dockerfile's instructions, continuation lines joined. */
function instructions(name: string): string[] {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  return [...joined.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gm'))].map((match) => match[1]!.trim());
}

function unitSetting(name: string): string[] {
  return [...unit.matchAll(new RegExp(`^${name}=(.+)$`, 'gm'))].map((match) => match[1]!.trim());
}

function dockerEnv(): Record<string, string> {
  const env = instructions('ENV').join(' ');
  return Object.fromEntries([...env.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1]!, match[2]!]));
}

function unitEnv(): Record<string, string> {
  return Object.fromEntries(unitSetting('Environment').map((pair) => pair.split('=', 2) as [string, string]));
}

describe('the kage-bunshin command the deploy files run', () => {
  // help and version open no database: the commands that do are run by
  // test/integration/package/shown-commands.test.ts, serve by the tarball test.
  const usage = runCli(['help'], {});
  const commands = new Set([...usage.stdout.matchAll(/^ {2}(\w+)/gm)].map((match) => match[1]!));

  it('lists its commands and refuses others', () => {
    expect(usage.status).toBe(0);
    expect([...commands].sort()).toEqual(['help', 'keys', 'mcp', 'migrate', 'serve', 'version']);
    const unknown = runCli(['launch'], {});
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch"');
    expect(runCli(['version'], {}).stdout).toBe(`${(JSON.parse(read('service/package.json')) as { version: string }).version}\n`);
  });

  it('is what every command line shown starts with', () => {
    const shown = shownCommands();
    expect(shown.map((args) => args[0])).toEqual(expect.arrayContaining(['serve', 'migrate', 'keys', 'version']));
    for (const args of shown) expect(commands, `kage-bunshin ${args.join(' ')}`).toContain(args[0]);
    expect(shown.filter((args) => !isTemplate(args)).length).toBeGreaterThan(3);
  });
});

describe('Dockerfile and compose.yaml', () => {
  it('copies only files that exist or that scripts/pack-service writes, and sends nothing else', () => {
    const copied = instructions('COPY').map((args) => args.split(/\s+/)[0]!);
    expect(copied).toEqual(['deploy/kage-bunshin.tgz']);
    expect(read('scripts/pack-service')).toContain('"$destination/kage-bunshin.tgz"');
    expect(read('.dockerignore').split('\n').filter((line) => line && !line.startsWith('#'))).toEqual(['*', '!deploy/kage-bunshin.tgz']);
    expect(read('deploy/.gitignore')).toContain('/kage-bunshin.tgz');
    expect(existsSync(join(repoRoot, 'deploy'))).toBe(true);
  });

  it('says in its header that it is not built here', () => {
    expect(dockerfile).toMatch(/NOT BUILT OR RUN HERE/);
    expect(compose).toMatch(/NOT RUN HERE/);
  });

  it('runs Node 24 with git, bubblewrap and the OpenSSH client, as a non-root user, with a health check', () => {
    expect(instructions('FROM')).toEqual([expect.stringMatching(/^node:24\b/)]);
    const installed = instructions('RUN').find((run) => run.includes('apt-get install'))!;
    for (const debianPackage of ['git', 'bubblewrap', 'openssh-client']) expect(installed.split(/\s+/)).toContain(debianPackage);
    const [user] = instructions('USER');
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(instructions('RUN').some((run) => run.includes(`useradd`) && run.endsWith(` ${user}`))).toBe(true);
    const [healthcheck] = instructions('HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD .*\/health'/);
    expect(instructions('ENTRYPOINT')).toEqual([`["tini", "--", "${bin}"]`]);
    expect(instructions('CMD')).toEqual(['["serve"]']);
  });

  it('sets only settings the service reads', () => {
    const config = read('service/src/config.ts');
    const composeVariables = [...compose.matchAll(/^ {6}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]!);
    expect(composeVariables).toContain('DATABASE_URL');
    for (const name of [...Object.keys(dockerEnv()), ...composeVariables, ...Object.keys(unitEnv())]) {
      if (name === 'NODE_ENV' || name.startsWith('POSTGRES_')) continue;
      expect(config, name).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('builds the service from this Dockerfile with PostgreSQL beside it, running serve', () => {
    expect(compose).toMatch(/^ {4}build: \.$/m);
    expect(compose).toMatch(/^ {4}command: \["serve"\]$/m);
    expect(compose).toMatch(/^ {4}image: postgres:\d+$/m);
    expect(compose).toMatch(/DATABASE_URL: postgres:\/\/kage:\$\{POSTGRES_PASSWORD\}@postgres:5432\/kage/);
  });
});

describe('deploy/kage-bunshin.service', () => {
  it('has the container\'s user, data folder, port and command', () => {
    const [user] = instructions('USER');
    expect(unitSetting('User')).toEqual([user]);
    expect(unitSetting('ExecStart')).toEqual([`/usr/local/bin/${bin} serve`]);
    const docker = dockerEnv();
    const systemd = unitEnv();
    for (const name of ['PORT', 'KAGE_DATA_DIR', 'NODE_ENV']) expect(systemd[name], name).toBe(docker[name]);
    expect(unitSetting('StateDirectory').map((dir) => `/var/lib/${dir}`)).toEqual([docker.KAGE_DATA_DIR]);
  });

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  it.skipIf(analyze.error !== undefined)('passes systemd-analyze verify (the command stood in for by an executable here)', () => {
    const dir = mkdtempSync(join(scratch, 'unit-'));
    const command = join(dir, bin);
    writeFileSync(command, '#!/bin/sh\n');
    chmodSync(command, 0o755);
    const unitPath = join(dir, 'kage-bunshin.service');
    writeFileSync(unitPath, unit.replace(`ExecStart=/usr/local/bin/${bin}`, `ExecStart=${command}`));
    // An unknown or misspelt setting is only a warning on stderr, with exit status 0.
    const verify = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' });
    expect({ status: verify.status, stdout: verify.stdout, stderr: verify.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});
