import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProgress } from '../../../service/src/agents/agent-adapter.ts';
import { runAgentProcess } from '../../../service/src/agents/agent-process.ts';
import { AgentRegistry } from '../../../service/src/agents/agent-registry.ts';
import type { AttemptSandbox } from '../../../service/src/sandbox/attempt-sandbox.ts';
import { Sandbox } from '../../../service/src/sandbox/sandbox.ts';
import { defaultAttemptLimits } from '../../../service/src/model/attempt-limits.ts';
import { defaultHomeBinds } from '../../../service/src/sandbox/sandbox-settings.ts';
import { createCliSandbox, type CliSandbox } from '../../fixtures/model-server/cli-sandbox.ts';
import { startModelServer, type ModelServer } from '../../fixtures/model-server/model-server.ts';

/**
 * The real claude, codex and gemini binaries from npm, run through their adapters against the
 * scripted model server, each in an attempt's sandbox as the service runs them: each must write
 * its file in its worktree with its own tool. No network, no key.
 * With KAGE_RECORD_AGENT_OUTPUT=1 the raw stdout is saved as the parsers' unit-test fixtures.
 */
const root = join(import.meta.dirname, '../../..');
const registry = new AgentRegistry({}, { pathEnv: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` });
/** The CLIs that have an adapter of their own (Copilot CLI runs as an ACP agent: acp-adapter.test.ts). */
type RealCli = 'claude' | 'codex' | 'gemini' | 'opencode' | 'qwen';
const requestPath: Record<RealCli, RegExp> = {
  claude: /\/v1\/messages$/,
  codex: /\/v1\/responses$/,
  gemini: /:streamGenerateContent$/,
  opencode: /\/chat\/completions$/,
  qwen: /\/chat\/completions$/,
};

describe('real agent CLIs against the scripted model server', () => {
  let server: ModelServer;
  let sandbox: CliSandbox;
  let attempts: Sandbox;
  let dataDir: string;
  const realHome = process.env.HOME;

  beforeAll(async () => {
    server = await startModelServer();
    sandbox = await createCliSandbox(server.url);
    dataDir = await mkdtemp(join(tmpdir(), 'kage-real-data-'));
    // The service's HOME is the CLIs' throw-away one, as in the service tests: the private HOME replaces it.
    process.env.HOME = sandbox.home;
    attempts = await Sandbox.start({ mode: 'bwrap', limits: defaultAttemptLimits, homeBinds: defaultHomeBinds, readPaths: [] }, dataDir);
  });
  afterAll(async () => {
    process.env.HOME = realHome;
    await server.close();
    await sandbox.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A one-commit repository and an attempt-like worktree of it (in the data folder, where the sandbox expects one). */
  async function worktreeOfNewRepository(name: string): Promise<{ origin: string; worktree: string }> {
    const origin = await mkdtemp(join(tmpdir(), `kage-real-${name}-`));
    const worktree = join(dataDir, `worktree-${name}`);
    await execa('git', ['init', '-q', '-b', 'main'], { cwd: origin });
    await writeFile(join(origin, 'README.md'), '# test repo\n');
    await execa('git', ['add', '.'], { cwd: origin });
    await execa('git', ['-c', 'user.name=Kage Test', '-c', 'user.email=kage@test.invalid', 'commit', '-q', '-m', 'init'], { cwd: origin });
    await execa('git', ['worktree', 'add', '-q', '-b', `kage/${name}`, worktree], { cwd: origin });
    return { origin, worktree };
  }

  it.each<RealCli>(['claude', 'codex', 'gemini', 'opencode', 'qwen'])(
    '%s writes the file it is told to write',
    async (agent) => {
      const { origin, worktree: repo } = await worktreeOfNewRepository(agent);
      let confinement: AttemptSandbox | undefined;
      try {
        confinement = await attempts.forAttempt({ name: agent, agent, worktree: repo, limits: undefined });
        expect(confinement, 'bubblewrap installed').toBeDefined();

        const adapter = registry.get(agent);
        const binary = registry.resolveBinary(agent);
        expect(binary, `${agent} binary in node_modules/.bin`).toBeDefined();
        // A prompt starting with "-" also checks that no CLI reads it as an option.
        const prompt = `- write kage-${agent}.txt containing "hello from ${agent}"`;
        const invocation = adapter.invocation(
          { prompt, worktree: repo, extraArgs: sandbox.extraArgs(agent), budgetUsd: agent === 'claude' ? 5 : undefined, confined: true },
          binary ?? '',
        );
        const requestsBefore = server.requests.length;
        const progress: AgentProgress[] = [];
        const rawLines: string[] = [];
        const parser = adapter.createParser();
        const result = await runAgentProcess({
          invocation: { ...invocation, env: { ...invocation.env, ...sandbox.env(agent) } },
          cwd: repo,
          confinement,
          parser: {
            parseLine: (line) => {
              rawLines.push(line);
              return parser.parseLine(line);
            },
            finish: (exitCode) => parser.finish(exitCode),
          },
          timeoutMs: 240_000,
          onProgress: (item) => {
            progress.push(item);
          },
        });
        if (process.env.KAGE_RECORD_AGENT_OUTPUT) await record(agent, rawLines);

        const context = `stderr: ${result.stderrTail}\nprogress: ${JSON.stringify(progress, null, 1)}`;
        expect(result.exitCode, context).toBe(0);
        expect(result.outcome.succeeded, context).toBe(true);
        expect(await readFile(join(repo, `kage-${agent}.txt`), 'utf8')).toBe(`hello from ${agent}\n`);
        const status = await execa('git', ['status', '--porcelain'], { cwd: repo });
        expect(status.stdout).toContain(`kage-${agent}.txt`);

        expect(progress.some((item) => item.kind === 'tool')).toBe(true);
        expect(progress.some((item) => item.kind === 'init')).toBe(true);
        expect(result.outcome.sessionId).toBeTruthy();
        expect(result.outcome.finalMessage).toBe('done');
        if (agent === 'claude' || agent === 'opencode') {
          expect(result.outcome.costUsd ?? 0).toBeGreaterThan(0);
        } else {
          expect(result.outcome.inputTokens ?? 0).toBeGreaterThan(0);
          expect(progress.some((item) => (item.costUsd ?? 0) > 0)).toBe(true);
        }
        const agentRequests = server.requests.slice(requestsBefore).filter((request) => requestPath[agent].test(request.path));
        expect(agentRequests.length).toBeGreaterThanOrEqual(2);
      } finally {
        await confinement?.dispose();
        await rm(origin, { recursive: true, force: true });
      }
    },
    300_000,
  );

  it.each<RealCli>(['claude', 'codex', 'gemini', 'opencode', 'qwen'])(
    '%s resumes its own session for a second round, which sees the first',
    async (agent) => {
      const { origin, worktree } = await worktreeOfNewRepository(`resume-${agent}`);
      let confinement: AttemptSandbox | undefined;
      try {
        confinement = await attempts.forAttempt({ name: `resume-${agent}`, agent, worktree, limits: undefined });
        const adapter = registry.get(agent);
        const run = async (prompt: string, resume?: string) => {
          const invocation = adapter.invocation({ prompt, worktree, extraArgs: sandbox.extraArgs(agent), confined: true, resume }, registry.resolveBinary(agent)!);
          return runAgentProcess({ invocation: { ...invocation, env: { ...invocation.env, ...sandbox.env(agent) } }, cwd: worktree, confinement, parser: adapter.createParser(), timeoutMs: 240_000 });
        };
        const first = await run(`write round.txt containing "round 1"`);
        expect(first.outcome.succeeded, `${first.stderrTail}\n${first.outcome.error}`).toBe(true);
        expect(first.outcome.sessionId).toBeTruthy();
        const requestsBefore = server.requests.length;
        const second = await run(`The verify command failed: write round.txt containing "round 2"`, first.outcome.sessionId);
        expect(second.outcome.succeeded, second.stderrTail).toBe(true);
        expect(await readFile(join(worktree, 'round.txt'), 'utf8')).toBe('round 2\n');
        // The resumed conversation carries the first round: its instruction went to the model again.
        const resumed = server.requests.slice(requestsBefore).filter((request) => requestPath[agent].test(request.path));
        expect(resumed.some((request) => JSON.stringify(request.body).includes('round 1'))).toBe(true);
      } finally {
        await confinement?.dispose();
        await rm(origin, { recursive: true, force: true });
      }
    },
    300_000,
  );

  it('describes every agent with its binary and version', async () => {
    const described = await registry.describeAgents();
    const byName = new Map(described.map((entry) => [entry.name, entry]));
    for (const agent of ['claude', 'codex', 'gemini', 'opencode', 'qwen'] as const) {
      expect(byName.get(agent)?.available).toBe(true);
      expect(byName.get(agent)?.binary).toContain('node_modules/.bin');
      expect(byName.get(agent)?.version).toMatch(/\d+\.\d+\.\d+/);
    }
    expect(byName.get('command')).toMatchObject({ available: true, binary: null });
  }, 60_000);
});

async function record(agent: RealCli, lines: string[]): Promise<void> {
  const version = (await registry.describeAgents()).find((entry) => entry.name === agent)?.version?.match(/\d+\.\d+\.\d+/)?.[0] ?? 'unknown';
  const file = join(root, 'test/fixtures/agent-output', `${agent}-${version}-write-file.jsonl`);
  await writeFile(file, `${lines.join('\n')}\n`);
}
