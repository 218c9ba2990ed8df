import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentProgress } from '../../../service/src/agents/agent-adapter.ts';
import { runAgentProcess } from '../../../service/src/agents/agent-process.ts';
import { ClaudeStreamParser } from '../../../service/src/agents/adapters/claude-adapter.ts';
import { CommandOutputParser } from '../../../service/src/agents/adapters/command-adapter.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');
const node = process.execPath;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i += 1) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 200; i += 1) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text !== '') return text;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never appeared`);
}

describe('runAgentProcess', () => {
  let dir: string;
  const leftovers: number[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kage-agent-process-'));
  });
  afterEach(async () => {
    for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('feeds every stdout line through the parser and reports the outcome', async () => {
    const seen: { progress: AgentProgress; raw: string }[] = [];
    const costs: number[] = [];
    const result = await runAgentProcess({
      invocation: { file: node, args: [join(fakeAgents, 'chatty-agent.mjs'), '0'], env: { KAGE_TEST: '1' } },
      cwd: dir,
      parser: new ClaudeStreamParser(),
      timeoutMs: 60_000,
      onProgress: async (progress, raw) => {
        // An awaited callback: the next line waits for it.
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push({ progress, raw });
      },
      onCost: (cost) => costs.push(cost),
    });
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    expect(result.cancelled).toBe(false);
    expect(seen.map((entry) => entry.progress.kind)).toEqual(['init', 'message', 'result', 'text']);
    expect(seen[3]?.raw).toBe('not json at all');
    expect(costs).toEqual([0.25]);
    expect(result.outcome).toMatchObject({ succeeded: true, sessionId: 'fake-session', costUsd: 0.25, finalMessage: 'all done' });
    expect(result.stderrTail.length).toBeLessThanOrEqual(4096);
    expect(result.stderrTail).toContain('stderr-end');
  });

  it('reports a non-zero exit as a failed outcome', async () => {
    const result = await runAgentProcess({
      invocation: { file: node, args: [join(fakeAgents, 'chatty-agent.mjs'), '3'], env: {} },
      cwd: dir,
      parser: new ClaudeStreamParser(),
    });
    expect(result.exitCode).toBe(3);
    expect(result.outcome.succeeded).toBe(false);
    expect(result.outcome.error).toContain('error_during_execution');
  });

  it('passes the invocation env, hides the service secrets and runs in the worktree', async () => {
    process.env.KAGE_WEBHOOK_SECRET = 'whsec_service_only';
    const script = "console.log(process.cwd()); console.log(process.env.KAGE_MARK); console.log(process.env.KAGE_WEBHOOK_SECRET ?? 'hidden'); console.log(process.env.PATH ? 'path kept' : 'no path')";
    const lines: string[] = [];
    const result = await runAgentProcess({
      invocation: { file: node, args: ['-e', script], env: { KAGE_MARK: 'marked' } },
      cwd: dir,
      parser: new CommandOutputParser(),
      onProgress: (progress) => {
        lines.push(progress.message);
      },
    });
    expect(result.exitCode).toBe(0);
    delete process.env.KAGE_WEBHOOK_SECRET;
    expect(lines).toEqual([await import('node:fs').then((fs) => fs.realpathSync(dir)), 'marked', 'hidden', 'path kept']);
  });

  it('reports a binary that cannot be started without throwing', async () => {
    const result = await runAgentProcess({
      invocation: { file: join(dir, 'no-such-agent'), args: [], env: {} },
      cwd: dir,
      parser: new CommandOutputParser(),
    });
    expect(result.exitCode).toBeNull();
    expect(result.outcome.succeeded).toBe(false);
    expect(result.stderrTail).toContain('ENOENT');
    expect(result.startError).toBe(`program ${join(dir, 'no-such-agent')} not found (give its absolute path, or install it on the service's PATH)`);
  });

  it('stops an agent that runs past its timeout', async () => {
    const result = await runAgentProcess({
      invocation: { file: node, args: [join(fakeAgents, 'sleepy-agent.mjs')], env: {} },
      cwd: dir,
      parser: new CommandOutputParser(),
      timeoutMs: 1_500,
    });
    expect(result.timedOut).toBe(true);
    expect(result.cancelled).toBe(false);
    expect(result.exitCode).toBeNull();
    expect(result.outcome.succeeded).toBe(false);
  });

  it('stops an agent when the caller aborts its signal', async () => {
    const controller = new AbortController();
    const result = await runAgentProcess({
      invocation: { file: node, args: [join(fakeAgents, 'sleepy-agent.mjs')], env: {} },
      cwd: dir,
      parser: new CommandOutputParser(),
      timeoutMs: 120_000,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.message === 'started') controller.abort('cancelled');
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.outcome.succeeded).toBe(false);
  });

  it('kills a grandchild that ignores SIGTERM when the attempt is cancelled', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const controller = new AbortController();
    const run = runAgentProcess({
      invocation: { file: node, args: [join(fakeAgents, 'stubborn-tree-agent.mjs'), pidFile], env: {} },
      cwd: dir,
      parser: new CommandOutputParser(),
      timeoutMs: 120_000,
      forceKillAfterMs: 1_000,
      signal: controller.signal,
    });
    const grandchild = Number(await waitForFile(pidFile));
    leftovers.push(grandchild);
    expect(isAlive(grandchild)).toBe(true);
    controller.abort('cancelled');
    const result = await run;
    expect(result.cancelled).toBe(true);
    expect(await waitUntilGone(grandchild)).toBe(true);
  });

  it('does not hang on a grandchild left holding stdout after the agent exits', async () => {
    const pidFile = join(dir, 'orphan.pid');
    const result = await runAgentProcess({
      invocation: { file: node, args: [join(fakeAgents, 'orphaning-agent.mjs'), pidFile], env: {} },
      cwd: dir,
      parser: new CommandOutputParser(),
      timeoutMs: 120_000,
      forceKillAfterMs: 1_000,
      orphanGraceMs: 500,
    });
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    leftovers.push(grandchild);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(result.outcome.succeeded).toBe(true);
    expect(await waitUntilGone(grandchild)).toBe(true);
  });

  it('stops the agent and rethrows when a progress callback fails', async () => {
    await expect(
      runAgentProcess({
        invocation: { file: node, args: [join(fakeAgents, 'sleepy-agent.mjs')], env: {} },
        cwd: dir,
        parser: new CommandOutputParser(),
        timeoutMs: 120_000,
        onProgress: () => {
          throw new Error('event store down');
        },
      }),
    ).rejects.toThrow('event store down');
  });

  describe('hostile agents', () => {
    const collect = () => {
      // The raw lines as the parser got them (progress messages are summaries).
      const messages: string[] = [];
      return { messages, onProgress: (_progress: AgentProgress, rawLine: string) => void messages.push(rawLine) };
    };

    it('cuts a line printed without a newline at the bound, counting what it dropped, and goes on', async () => {
      const { messages, onProgress } = collect();
      const script = "const mb='x'.repeat(1<<20);for(let i=0;i<48;i++)process.stdout.write(mb);process.stdout.write('\\nafter\\n')";
      const result = await runAgentProcess({
        invocation: { file: node, args: ['-e', script], env: {} },
        cwd: dir,
        parser: new CommandOutputParser(),
        timeoutMs: 120_000,
        maxLineChars: 1000,
        onProgress,
      });
      expect(result.exitCode).toBe(0);
      expect(messages).toHaveLength(2);
      expect(messages[0]).toMatch(/^x{1000} … \[50330648 more characters cut\]$/);
      expect(messages[1]).toBe('after');
    });

    it('stops parsing past the output bound of the attempt, and says how many lines it dropped', async () => {
      const { messages, onProgress } = collect();
      const result = await runAgentProcess({
        invocation: { file: node, args: ['-e', "for(let i=0;i<1000;i++)console.log('line '+i)"], env: {} },
        cwd: dir,
        parser: new CommandOutputParser(),
        timeoutMs: 120_000,
        maxOutputChars: 80,
        onProgress,
      });
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.length + result.linesCut).toBe(1000);
      expect(result.linesCut).toBeGreaterThan(900);
    });

    it('stores NUL characters and lone surrogates as U+FFFD instead of failing', async () => {
      const { messages, onProgress } = collect();
      const result = await runAgentProcess({
        invocation: { file: node, args: ['-e', "process.stdout.write('a\\u0000b \\ud800 c\\n');process.stderr.write('e\\u0000rr\\n')"], env: {} },
        cwd: dir,
        parser: new CommandOutputParser(),
        timeoutMs: 120_000,
        onProgress,
      });
      expect(result.exitCode).toBe(0);
      expect(messages[0]).toBe('a\uFFFDb \uFFFD c');
      expect(result.stderrTail).not.toContain('\u0000');
    });

    it('ends the attempt when the agent exits, although a detached child (setsid) holds stdout, and kills that child', async () => {
      const pidFile = join(dir, 'detached.pid');
      const started = Date.now();
      const result = await runAgentProcess({
        invocation: { file: 'bash', args: ['-c', `setsid sleep 150 & echo $! > ${pidFile}; exit 0`], env: {} },
        cwd: dir,
        parser: new CommandOutputParser(),
        timeoutMs: 60_000,
        orphanGraceMs: 300,
        processTag: `kage/test-detached-${process.pid}/command-1/test`,
      });
      const detached = Number(await waitForFile(pidFile));
      leftovers.push(detached);
      expect(result.timedOut).toBe(false);
      expect(result.exitCode).toBe(0);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await waitUntilGone(detached)).toBe(true);
    });
  });
});
