import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest } from '../agent-adapter.ts';
import { as, describeToolCall, readJsonLine } from '../json-line.ts';
import { ClaudeStreamParser } from './claude-adapter.ts';

/** Its API key. */
const ownVariables = ['CURSOR_*'];

/**
 * Cursor's agent: `cursor-agent -p --output-format stream-json --force PROMPT`. Its stream-json
 * follows Claude Code's (system/init, assistant, result without cost) plus `tool_call` lines.
 */
export const cursorAdapter: AgentAdapter = {
  name: 'cursor',
  displayName: 'Cursor Agent',
  binaryName: 'cursor-agent',
  installHint: 'curl https://cursor.com/install -fsS | bash (installs cursor-agent)',
  protectedFlags: ['--force', '-f', '--workspace'],
  reportsCost: false,
  resumesSessions: false,
  invocation(request: InvocationRequest, binaryPath: string) {
    const args = ['-p', '--output-format', 'stream-json', '--force'];
    if (request.model) args.push('--model', request.model);
    args.push(...request.extraArgs, '--', request.prompt);
    return { file: binaryPath, args, env: {}, passEnv: ownVariables };
  },
  createParser: () => new CursorStreamParser(),
};

/** `{"type":"tool_call","subtype":"started","tool_call":{"writeToolCall":{"args":{"path":…}}}}` */
const toolCallLine = z.object({
  subtype: z.string().optional(),
  tool_call: z.record(z.string(), z.object({ args: z.unknown().optional(), result: z.unknown().optional() })),
});

export class CursorStreamParser implements AgentOutputParser {
  private readonly claudeLike = new ClaudeStreamParser();

  parseLine(line: string): AgentProgress | undefined {
    const json = readJsonLine(line);
    if (json?.type !== 'tool_call') return this.claudeLike.parseLine(line);
    const call = as(toolCallLine, json.value);
    if (!call || call.subtype !== 'started') return undefined;
    const [key, value] = Object.entries(call.tool_call)[0] ?? [];
    if (key === undefined) return undefined;
    return { kind: 'tool', message: describeToolCall(key.replace(/ToolCall$/, ''), value?.args) };
  }

  finish(exitCode: number | null): AgentOutcome {
    const outcome = this.claudeLike.finish(exitCode);
    return { ...outcome, error: outcome.error?.replace(/^claude/, 'cursor-agent') };
  }
}
