/**
 * The acp adapter: its bridge drives an ACP agent over stdio in the attempt's sandbox. A
 * scripted agent probes the permission policy and the cancellation; the real Gemini CLI in ACP
 * mode (`gemini --acp`) writes its file through the scripted model server. An agent that cannot
 * start, or dies before its session ends, ends the attempt at once (not at its timeout).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProgress } from '../../../service/src/agents/agent-adapter.ts';
import { runAgentProcess } from '../../../service/src/agents/agent-process.ts';
import { AgentRegistry } from '../../../service/src/agents/agent-registry.ts';
import { Sandbox } from '../../../service/src/sandbox/sandbox.ts';
import { defaultAttemptLimits } from '../../../service/src/model/attempt-limits.ts';
import { defaultHomeBinds } from '../../../service/src/sandbox/sandbox-settings.ts';
import { createCliSandbox, type CliSandbox } from '../../fixtures/model-server/cli-sandbox.ts';
import { startModelServer, type ModelServer } from '../../fixtures/model-server/model-server.ts';
import { fixturesDir } from '../../support/service-process.ts';

const root = join(import.meta.dirname, '../../..');
const registry = new AgentRegistry({}, { pathEnv: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` });
const probingAgent = join(fixturesDir, 'fake-agents/acp-probing-agent.mjs');
const acp = registry.get('acp');

describe('ACP agents through the acp adapter, sandboxed', () => {
  let server: ModelServer;
  let cli: CliSandbox;
  let attempts: Sandbox;
  let dataDir: string;
  const realHome = process.env.HOME;

  beforeAll(async () => {
    server = await startModelServer();
    cli = await createCliSandbox(server.url);
    dataDir = await mkdtemp(join(tmpdir(), 'kage-acp-data-'));
    process.env.HOME = cli.home;
    // Which agent speaks ACP is the task's to say: here Gemini CLI and Qwen Code, so it sees their settings.
    const acpBinds = [...defaultHomeBinds.gemini, ...defaultHomeBinds.qwen];
    attempts = await Sandbox.start({ mode: 'bwrap', limits: defaultAttemptLimits, homeBinds: { ...defaultHomeBinds, acp: acpBinds }, readPaths: [fixturesDir] }, dataDir);
  });
  afterAll(async () => {
    process.env.HOME = realHome;
    await server.close();
    await cli.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** An attempt-like worktree of a one-commit repository, in the data folder (where the sandbox expects one). */
  async function worktree(name: string): Promise<string> {
    const origin = join(dataDir, `origin-${name}`);
    const path = join(dataDir, `worktree-${name}`);
    await execa('git', ['init', '-q', '-b', 'main', origin]);
    await writeFile(join(origin, 'README.md'), '# acp\n');
    await execa('git', ['add', '.'], { cwd: origin });
    await execa('git', ['-c', 'user.name=Kage Test', '-c', 'user.email=kage@test.invalid', 'commit', '-q', '-m', 'init'], { cwd: origin });
    await execa('git', ['worktree', 'add', '-q', '-b', `kage/${name}`, path], { cwd: origin });
    return path;
  }

  async function run(name: string, command: string[], prompt: string, options: { env?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {}) {
    const cwd = await worktree(name);
    const confinement = await attempts.forAttempt({ name, agent: 'acp', worktree: cwd, limits: undefined });
    const invocation = acp.invocation({ prompt, worktree: cwd, extraArgs: [], command, confined: true }, '');
    const progress: AgentProgress[] = [];
    try {
      const result = await runAgentProcess({
        invocation: { ...invocation, env: { ...invocation.env, ...options.env } },
        cwd,
        confinement,
        parser: acp.createParser(),
        timeoutMs: options.timeoutMs ?? 120_000,
        signal: options.signal,
        onProgress: (item) => {
          progress.push(item);
        },
      });
      return { result, progress, cwd };
    } finally {
      await confinement?.dispose();
    }
  }

  it('answers permission requests by its policy, recording every decision: edits inside the worktree only', async () => {
    const { result, progress, cwd } = await run('probe', ['node', probingAgent], 'ask away');
    expect(result.outcome, result.stderrTail).toMatchObject({ succeeded: true, sessionId: 'probe-session', inputTokens: 500, outputTokens: 20, finalMessage: 'asked three times' });
    expect(JSON.parse(await readFile(join(cwd, 'permissions.json'), 'utf8'))).toEqual({ inside: 'yes', outside: 'no', shell: 'no' });
    const decisions = progress.filter((item) => item.kind === 'permission').map((item) => item.message);
    expect(decisions).toEqual([
      'allowed Write notes.txt: edit inside the worktree',
      'refused Write /etc/passwd: /etc/passwd is outside the worktree',
      'refused rm -rf ~: execute tool: only edits, reads and searches inside the worktree are allowed',
    ]);
    expect(progress.map((item) => item.kind)).toEqual(expect.arrayContaining(['init', 'plan', 'tool', 'message']));
  });

  it('cancels through the protocol (session/cancel) before any signal', async () => {
    const cancel = new AbortController();
    const running = run('cancel', ['node', probingAgent], 'wait for cancel', { signal: cancel.signal });
    // The agent ignores SIGTERM: only the protocol's cancel ends its turn.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    cancel.abort();
    const { result, cwd } = await running;
    expect(result.outcome.succeeded).toBe(false);
    expect(await readFile(join(cwd, 'cancelled.txt'), 'utf8')).toBe('cancelled through the protocol\n');
  });

  // A hang would reach this timeout: the attempt must end with the agent, not time out.
  const ending = { timeoutMs: 20_000 };

  it('fails at once, naming the program, when the agent cannot be started', async () => {
    const { result } = await run('missing', ['nosuchbinary', '--acp'], 'never read', { timeoutMs: ending.timeoutMs });
    expect(result.timedOut).toBe(false);
    expect(result.outcome).toMatchObject({ succeeded: false, error: "program nosuchbinary not found (give its absolute path, or install it on the service's PATH)" });
  });

  it.each([
    { how: 'exits before answering', script: 'process.exit(3)', error: 'node exited with code 3 before its ACP session ended (ACP connection closed)' },
    {
      how: 'exits, leaving a process that holds its output open',
      script: "require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: ['ignore', 'inherit', 'ignore'] }); process.exit(0)",
      error: 'node exited with code 0 before its ACP session ended (its output was held open by a process it left behind)',
    },
    { how: 'closes its output and ignores SIGTERM', script: "process.on('SIGTERM', () => {}); require('node:fs').closeSync(1); setInterval(() => {}, 1000)", error: 'ACP connection closed' },
  ])('ends the attempt at once when the agent $how', async ({ how, script, error }) => {
    const { result } = await run(how.replaceAll(/\W+/g, '-'), ['node', '-e', script], 'never answered', { timeoutMs: ending.timeoutMs });
    expect(result.timedOut).toBe(false);
    expect(result.outcome).toMatchObject({ succeeded: false, error });
  });

  it('runs the real Gemini CLI in ACP mode: it asks to write its file, is allowed, and writes it', async () => {
    const gemini = registry.resolveBinary('gemini')!;
    const { result, progress, cwd } = await run('gemini', [gemini, '--acp'], 'write kage-acp.txt containing "hello over acp"', { env: cli.env('gemini') });
    const context = `stderr: ${result.stderrTail}\nprogress: ${JSON.stringify(progress, null, 1)}`;
    expect(result.outcome.succeeded, context).toBe(true);
    expect(await readFile(join(cwd, 'kage-acp.txt'), 'utf8')).toBe('hello over acp\n');
    expect(progress.find((item) => item.kind === 'init')?.message).toMatch(/^ACP session \S+ \(gemini-cli\)$/);
    expect(progress.filter((item) => item.kind === 'permission').map((item) => item.message)).toEqual(['allowed Writing to kage-acp.txt: edit inside the worktree']);
    expect(result.outcome.finalMessage).toBe('done');
    expect(server.requests.some((request) => request.path.endsWith(':streamGenerateContent'))).toBe(true);
  });

  it('runs the real GitHub Copilot CLI in ACP mode, offline with a custom provider, and reads its tokens', async () => {
    const copilot = join(root, 'node_modules/.bin/copilot');
    const { result, progress, cwd } = await run('copilot', [copilot, '--acp'], 'write kage-copilot.txt containing "hello from copilot"', { env: cli.env('copilot') });
    const context = `stderr: ${result.stderrTail}\nprogress: ${JSON.stringify(progress, null, 1)}`;
    expect(result.outcome.succeeded, context).toBe(true);
    expect(await readFile(join(cwd, 'kage-copilot.txt'), 'utf8')).toBe('hello from copilot\n');
    expect(result.outcome.inputTokens).toBeGreaterThan(0);
    expect(result.outcome.outputTokens).toBeGreaterThan(0);
  });

  it('runs the real Qwen Code in ACP mode through the same adapter', async () => {
    const qwen = registry.resolveBinary('qwen')!;
    const { result, progress, cwd } = await run('qwen', [qwen, '--acp'], 'write kage-acp-qwen.txt containing "hello from qwen over acp"', { env: cli.env('qwen') });
    const context = `stderr: ${result.stderrTail}\nprogress: ${JSON.stringify(progress, null, 1)}`;
    expect(result.outcome.succeeded, context).toBe(true);
    expect(await readFile(join(cwd, 'kage-acp-qwen.txt'), 'utf8')).toBe('hello from qwen over acp\n');
    // Qwen Code's ACP mode writes without asking; the write shows as the tool call it is.
    expect(progress.some((item) => item.kind === 'tool' && item.message === 'edit: WriteFile'), context).toBe(true);
    expect(progress.map((item) => item.kind)).not.toContain('text');
  });
});
