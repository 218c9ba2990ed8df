/**
 * A real MCP host: Claude Code from npm (`claude mcp add`, over HTTP to /mcp and over stdio to
 * `kage-bunshin mcp`), its model the scripted model server (offline, no key), told to call
 * submit_task, then wait_for_task, then merge_task. The task must run, finish with the verified attempt as the
 * winner, and be merged, with Claude Code having read each tool's answer.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type RealClis, startRealClis } from '../../support/real-clis.ts';
import { createTestRepo } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

const cliPath = fileURLToPath(new URL('../../../service/src/cli.ts', import.meta.url));

describe('Claude Code as the MCP host', () => {
  let clis: RealClis;
  let service: TestService;

  beforeAll(async () => {
    clis = await startRealClis();
    service = await startTestService({ kind: 'pglite', listen: true, workers: 2 });
  });
  afterAll(async () => {
    await service?.stop();
    await clis?.close();
  });

  it.each(['http', 'stdio'] as const)('submits a task, waits for it and merges it over %s', async (via) => {
    const repo = await createTestRepo({ 'greeting.txt': 'Hello, wrold\n' });
    onTestFinished(() => repo.cleanup());
    const env = { ...clis.sandbox.env('claude'), PATH: process.env.PATH ?? '' };
    await execa(clis.bin('claude'), ['mcp', 'remove', '--scope', 'user', 'kage'], { env, extendEnv: false, cwd: repo.path, reject: false });
    const server =
      via === 'http'
        ? ['--transport', 'http', 'kage', `${service.url}/mcp`, '--header', `Authorization: Bearer ${TEST_API_KEY}`]
        : ['kage', '-e', `KAGE_URL=${service.url}`, '-e', `KAGE_API_KEY=${TEST_API_KEY}`, '--', process.execPath, cliPath, 'mcp'];
    await execa(clis.bin('claude'), ['mcp', 'add', '--scope', 'user', ...server], { env, extendEnv: false, cwd: repo.path });

    const task = {
      description: 'Fix the typo in greeting.txt',
      repository: { path: repo.path },
      agents: [
        { agent: 'command', command: ['sed', '-i', 's/wrold/word/', 'greeting.txt'] },
        { agent: 'command', command: ['sed', '-i', 's/wrold/world/', 'greeting.txt'] },
      ],
      verify: { command: ['grep', '-qx', 'Hello, world', 'greeting.txt'] },
    };
    const prompt = [
      'Fix the typo with best-of-N through the kage tools:',
      `mcp-call mcp__kage__submit_task ${JSON.stringify(task)}`,
      'mcp-call mcp__kage__wait_for_task {"id": "$TASK_ID", "timeoutSeconds": 60}',
      'mcp-call mcp__kage__merge_task {"id": "$TASK_ID", "agent": "best"}',
    ].join('\n');
    const run = await execa(
      clis.bin('claude'),
      ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--allowedTools', 'mcp__kage__submit_task,mcp__kage__wait_for_task,mcp__kage__merge_task'],
      { env, extendEnv: false, cwd: repo.path, timeout: 180_000, reject: false },
    );
    const lines = run.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>);
    const init = lines.find((line) => line.type === 'system' && line.subtype === 'init');
    expect(init?.mcp_servers, run.stdout + run.stderr).toContainEqual({ name: 'kage', status: 'connected' });

    const toolResults = lines
      .filter((line) => line.type === 'user')
      .flatMap((line) => (line.message?.content ?? []) as Array<{ type: string; content?: unknown; is_error?: boolean }>)
      .filter((block) => block.type === 'tool_result');
    expect(toolResults, run.stdout).toHaveLength(3);
    expect(toolResults.every((block) => !block.is_error), JSON.stringify(toolResults)).toBe(true);
    // What Claude Code read: the tool's answer as JSON (it shows the structured content).
    const answer = (index: number) => {
      const content = toolResults[index]!.content;
      return JSON.parse(typeof content === 'string' ? content : (content as Array<{ text: string }>).map((block) => block.text).join('')) as Record<string, any>;
    };
    expect(answer(1)).toMatchObject({ done: true, task: { status: 'completed', winner: 'command-2', winnerPassedVerify: true } });
    expect(answer(2)).toMatchObject({ status: 'merged', agent: 'command-2' });
    expect(lines.at(-1)).toMatchObject({ type: 'result', subtype: 'success', result: 'done' });
    expect(await readFile(join(repo.path, 'greeting.txt'), 'utf8')).toBe('Hello, world\n');
  });
});
