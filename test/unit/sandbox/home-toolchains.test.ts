import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiddenProgramHint } from '../../../service/src/sandbox/hidden-program.ts';
import { homeToolchainFolders } from '../../../service/src/sandbox/home-toolchains.ts';
import { isInside } from '../../../service/src/path-inside.ts';

describe("the user's toolchains in HOME", () => {
  let home: string;
  const at = (path: string) => join(home, path);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kage-toolchain-home-'));
    for (const folder of ['.pyenv/shims', '.pyenv/libexec', '.nvm/versions/node/v22.1.0/bin', '.cargo/bin', '.cargo/registry', '.rustup/toolchains', 'go/bin', 'go/pkg/mod', 'bin', '.ssh', '.local/bin', '.local/share/kage-bunshin']) {
      await mkdir(at(folder), { recursive: true });
    }
    await writeFile(at('.pyenv/shims/python3'), '#!/usr/bin/env bash\n', { mode: 0o755 });
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('shows the version managers, only the bin of those that write caches, and PATH folders under HOME', () => {
    const env = { PATH: [at('.pyenv/shims'), at('.nvm/versions/node/v22.1.0/bin'), at('bin'), '/usr/bin'].join(':') };
    const shown = homeToolchainFolders(env, home, at('.local/share/kage-bunshin'));
    expect(shown).toEqual([at('.cargo/bin'), at('.local/bin'), at('.nvm'), at('.pyenv'), at('.rustup'), at('bin'), at('go/bin')].sort());
  });

  it('never shows HOME, keys, or a folder holding the service data, whatever PATH says', () => {
    const env = { PATH: [home, at('.ssh'), at('.local')].join(':') };
    const shown = homeToolchainFolders(env, home, at('.local/share/kage-bunshin'));
    expect(shown).not.toContain(home);
    expect(shown).not.toContain(at('.ssh'));
    expect(shown).not.toContain(at('.local'));
  });

  it('follows a manager moved by its variable', () => {
    const shown = homeToolchainFolders({ PATH: '', CARGO_HOME: at('.cargo'), PYENV_ROOT: at('.pyenv') }, home, '/data');
    expect(shown).toContain(at('.cargo/bin'));
    expect(shown).not.toContain(at('.cargo'));
  });
});

describe('why a program exited 127 in the sandbox', () => {
  let outside: string;
  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'kage-hidden-pyenv-'));
    await mkdir(join(outside, 'shims'), { recursive: true });
    await mkdir(join(outside, 'libexec'), { recursive: true });
    await writeFile(join(outside, 'shims', 'python3'), '#!/usr/bin/env bash\n', { mode: 0o755 });
    await writeFile(join(outside, 'libexec', 'pyenv'), '#!/usr/bin/env bash\n', { mode: 0o755 });
  });
  afterAll(() => rm(outside, { recursive: true, force: true }));

  it("names what the sandbox hid, and the one folder to show for a shim and its manager", () => {
    const hint = hiddenProgramHint({
      program: join(outside, 'shims', 'python3'),
      exitCode: 127,
      output: `${outside}/shims/python3: line 12: ${outside}/libexec/pyenv: No such file or directory\n`,
      home: '/home/someone',
      shows: (path) => !isInside(path, outside),
    });
    expect(hint).toContain('was not found or could not start');
    expect(hint).toContain(`${outside}/libexec/pyenv`);
    expect(hint).toContain(`add ${outside} to KAGE_SANDBOX_READ_PATHS`);
  });

  it('says nothing for other exit codes, and something general when nothing hidden is named', () => {
    expect(hiddenProgramHint({ program: 'pytest', exitCode: 1, output: '', home: '/h', shows: () => true })).toBeUndefined();
    expect(hiddenProgramHint({ program: 'no-such-tool', exitCode: 127, output: 'no-such-tool: command not found', home: '/h', shows: () => true, servicePath: '/usr/bin' })).toMatch(
      /`no-such-tool` was not found .* add its folder to KAGE_SANDBOX_READ_PATHS/,
    );
  });

  it('names a script from the arguments that the sandbox hid, when the failure names it (a new user kept agent scripts in /tmp)', () => {
    const script = join(outside, 'shims', 'python3');
    const failed = { program: 'node', exitCode: 1, home: '/h', shows: (path: string) => !isInside(path, outside) };
    const hint = hiddenProgramHint({ ...failed, args: [script], output: `Error: Cannot find module '${script}'\n` });
    expect(hint).toBe(`sandbox: \`node\` exited 1; its command names ${script}, which the attempt's sandbox does not show; add ${join(outside, 'shims')} to KAGE_SANDBOX_READ_PATHS`);
    // An argument the failure does not mention is not blamed for it.
    expect(hiddenProgramHint({ ...failed, args: [script], output: 'Error: rate limited\n' })).toBeUndefined();
  });
});
