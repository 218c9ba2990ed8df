/**
 * The `kage-bunshin …` command lines the deploy files (Dockerfile, compose.yaml, the systemd unit)
 * and the README's install section show, and a way to run one through the package's command.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '../..');
const cli = join(repoRoot, 'service/src/cli.ts');

export const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/** Each distinct command line, as its arguments after `kage-bunshin`. */
export function shownCommands(): string[][] {
  const readme = readRepoFile('README.md');
  const install = readme.slice(readme.indexOf('## Install\n'), readme.indexOf('## Configuration\n'));
  const texts = [readRepoFile('Dockerfile'), readRepoFile('compose.yaml'), readRepoFile('deploy/kage-bunshin.service'), install];
  const shown = texts.flatMap((text) =>
    [...text.matchAll(/(?:^|[\s`(/])kage-bunshin((?: +(?:--?[\w-]+|[\w:./-]+))*)/gm)]
      .map((match) => match[1]!.trim().split(/\s+/).filter(Boolean))
      // `docker compose exec kage-bunshin kage-bunshin …`: the first is the compose service.
      .map((args) => (args[0] === 'kage-bunshin' ? args.slice(1) : args))
      // Not a command: the image's tag (`-t kage-bunshin .`), the user and package names.
      .filter((args) => /^[a-z]+$/.test(args[0] ?? '')),
  );
  return [...new Map(shown.map((args) => [args.join(' '), args])).values()];
}

/** Whether a shown line is a template (`--name N`, `keys delete ID`) rather than a runnable command. */
export function isTemplate(args: readonly string[]): boolean {
  return args.some((arg) => /^[A-Z]+$/.test(arg));
}

/** Runs `kage-bunshin <args>` from the sources with these settings (no inherited database or keys). */
export function runCli(args: readonly string[], env: Record<string, string>) {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  if (!('DATABASE_URL' in env)) delete fullEnv.DATABASE_URL;
  delete fullEnv.API_KEYS;
  return spawnSync(process.execPath, [cli, ...args], { env: fullEnv, encoding: 'utf8', timeout: 60_000 });
}
