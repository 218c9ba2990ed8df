import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentNames } from '../../../service/src/model/agent-names.ts';
import { AgentRegistry } from '../../../service/src/agents/agent-registry.ts';

describe('AgentRegistry', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kage-registry-'));
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'other'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fakeBinary(path: string, script: string): Promise<void> {
    await writeFile(path, `#!/bin/sh\n${script}\n`);
    await chmod(path, 0o755);
  }

  it('has an adapter for every agent name', () => {
    const registry = new AgentRegistry({}, { pathEnv: '' });
    for (const name of agentNames) expect(registry.get(name).name).toBe(name);
  });

  it('finds binaries on PATH, prefers overrides, and says undefined when missing', async () => {
    await fakeBinary(join(dir, 'bin', 'codex'), 'echo codex-cli 9.9.9');
    await fakeBinary(join(dir, 'other', 'my-claude'), 'echo 1.2.3 (Claude Code)');
    await writeFile(join(dir, 'bin', 'gemini'), 'not executable');
    const registry = new AgentRegistry({ claude: join(dir, 'other', 'my-claude'), aider: join(dir, 'missing') }, { pathEnv: join(dir, 'bin') });
    expect(registry.resolveBinary('codex')).toBe(join(dir, 'bin', 'codex'));
    expect(registry.resolveBinary('claude')).toBe(join(dir, 'other', 'my-claude'));
    expect(registry.resolveBinary('gemini')).toBeUndefined();
    expect(registry.resolveBinary('aider')).toBeUndefined();
    expect(registry.resolveBinary('command')).toBeUndefined();
  });

  it('describes each agent with binary, version and install hint', async () => {
    await fakeBinary(join(dir, 'bin', 'codex'), 'echo codex-cli 9.9.9');
    await fakeBinary(join(dir, 'bin', 'gemini'), 'echo broken >&2; exit 3');
    const registry = new AgentRegistry({}, { pathEnv: join(dir, 'bin') });
    const described = new Map((await registry.describeAgents()).map((entry) => [entry.name, entry]));
    expect([...described.keys()]).toEqual([...agentNames]);
    expect(described.get('codex')).toMatchObject({ binary: join(dir, 'bin', 'codex'), version: 'codex-cli 9.9.9', available: true });
    expect(described.get('gemini')).toMatchObject({ version: null, available: false });
    expect(described.get('claude')).toMatchObject({ binary: null, version: null, available: false });
    expect(described.get('claude')?.installHint).toContain('@anthropic-ai/claude-code');
    expect(described.get('command')).toMatchObject({ binary: null, available: true });
  });
});
