import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest } from '../agent-adapter.ts';
import { as, readJsonLine, summarize, textProgress } from '../json-line.ts';
import { CommandMissingError } from '../adapters/command-adapter.ts';
import { CANCEL_LINE } from './bridge-lines.ts';

// Run by its own node process: the .ts beside this file in a checkout, the .js in the published package.
const bridge = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? './acp-bridge.js' : './acp-bridge.ts', import.meta.url));
// The bridge's protocol library: its installation must be readable in the sandbox too.
const protocolLibrary = fileURLToPath(import.meta.resolve('@agentclientprotocol/sdk'));

/** The ACP agents seen so far and the providers they speak to (which one runs, the task says). */
const acpAgentVariables = ['GEMINI_*', 'GOOGLE_*', 'QWEN_*', 'OPENAI_*', 'DASHSCOPE_*', 'COPILOT_*', 'ANTHROPIC_*', 'CLAUDE_*'];

/**
 * Any agent that speaks the Agent Client Protocol: `{agent: "acp", command: [...]}` (e.g.
 * `["gemini", "--acp"]`, `["qwen", "--acp"]`). It runs under acp-bridge.ts, in the sandbox as
 * every agent: the bridge drives the protocol and prints one JSON line per update, permission
 * decision and result, parsed here. A verify round or a follow-up is a new session told the task
 * and what to fix: not every ACP agent can load a session.
 */
export const acpAdapter: AgentAdapter = {
  name: 'acp',
  displayName: 'Any ACP Agent',
  binaryName: undefined,
  installHint: 'give the agent to run in ACP mode as `command` (an argv array, e.g. ["gemini", "--acp"])',
  protectedFlags: [],
  reportsCost: false,
  resumesSessions: false,
  invocation(request: InvocationRequest) {
    const agent = [...(request.command ?? []), ...request.extraArgs];
    if (agent[0] === undefined || agent[0] === '') throw new CommandMissingError();
    const args = [bridge, '--cwd', request.worktree, '--prompt', request.prompt, '--', ...agent];
    return { file: process.execPath, args, env: {}, passEnv: acpAgentVariables, programs: [bridge, protocolLibrary, agent[0]], cancelInput: `${CANCEL_LINE}\n` };
  },
  createParser: () => new AcpBridgeParser(),
};

const sessionLine = z.object({ sessionId: z.string(), agent: z.string().nullable() });
const updateLine = z.object({ update: z.looseObject({ sessionUpdate: z.string().optional() }) });
const permissionLine = z.object({ tool: z.string(), kind: z.string().nullable(), decision: z.string(), reason: z.string() });
const resultLine = z.object({ stopReason: z.string(), usage: z.record(z.string(), z.unknown()).nullable() });
const errorLine = z.object({ message: z.string() });
const textContent = z.object({ content: z.object({ type: z.string(), text: z.string().optional() }) });
const toolCall = z.object({ title: z.string().optional(), kind: z.string().optional(), status: z.string().optional() });
const plan = z.object({ entries: z.array(z.object({ content: z.string(), status: z.string().optional() })) });
const usage = z.object({ inputTokens: z.number().optional(), outputTokens: z.number().optional() });

/** Parses acp-bridge.ts's lines; the agent's own stderr is not read (it goes to the attempt's stderr tail). */
export class AcpBridgeParser implements AgentOutputParser {
  private sessionId: string | undefined;
  private message = '';
  private lastMessage: string | undefined;
  private result: z.infer<typeof resultLine> | undefined;
  private error: string | undefined;

  parseLine(line: string): AgentProgress | undefined {
    const json = readJsonLine(line);
    if (!json) return textProgress(line);
    switch (json.type) {
      case 'session': {
        const session = as(sessionLine, json.value);
        this.sessionId = session?.sessionId;
        return session && { kind: 'init', message: `ACP session ${session.sessionId}${session.agent ? ` (${session.agent})` : ''}` };
      }
      case 'update':
        return this.update(as(updateLine, json.value)?.update);
      case 'permission': {
        const permission = as(permissionLine, json.value);
        return permission && { kind: 'permission', message: summarize(`${permission.decision} ${permission.tool}: ${permission.reason}`) };
      }
      case 'result': {
        this.result = as(resultLine, json.value);
        return this.flushMessage() ?? (this.result && { kind: 'result', message: `stop: ${this.result.stopReason}` });
      }
      case 'error':
        this.error = as(errorLine, json.value)?.message ?? 'error';
        return { kind: 'error', message: summarize(this.error) };
      default:
        return undefined;
    }
  }

  finish(exitCode: number | null): AgentOutcome {
    const tokens = this.result?.usage ? as(usage, this.result.usage) : undefined;
    const succeeded = exitCode === 0 && this.error === undefined && this.result?.stopReason === 'end_turn';
    return {
      succeeded,
      sessionId: this.sessionId,
      inputTokens: tokens?.inputTokens,
      outputTokens: tokens?.outputTokens,
      finalMessage: this.message.trim() || this.lastMessage,
      error: succeeded ? undefined : (this.error ?? (this.result ? `the agent ended its turn with ${this.result.stopReason}` : `the ACP agent ended without a result (exit code ${exitCode ?? 'none'})`)),
    };
  }

  private update(update: z.infer<typeof updateLine>['update'] | undefined): AgentProgress | undefined {
    switch (update?.sessionUpdate) {
      case 'agent_message_chunk':
        // Messages come in chunks: gathered, and shown whole before the next tool call or the end.
        this.message += as(textContent, update)?.content.text ?? '';
        return undefined;
      case 'tool_call': {
        const flushed = this.flushMessage();
        const call = as(toolCall, update);
        const progress: AgentProgress = { kind: 'tool', message: summarize(`${call?.kind ?? 'tool'}: ${call?.title ?? ''}`) };
        // A message and a tool call in one line of progress: the message first.
        return flushed ? { ...progress, message: summarize(`${flushed.message} → ${progress.message}`) } : progress;
      }
      case 'tool_call_update': {
        const call = as(toolCall, update);
        return call?.status === 'failed' ? { kind: 'tool', message: summarize(`failed: ${call.title ?? 'tool call'}`) } : undefined;
      }
      case 'plan': {
        const entries = as(plan, update)?.entries ?? [];
        return { kind: 'plan', message: summarize(entries.map((entry) => `[${entry.status ?? 'pending'}] ${entry.content}`).join('; ')) };
      }
      default:
        return undefined;
    }
  }

  private flushMessage(): AgentProgress | undefined {
    const text = this.message.trim();
    if (!text) return undefined;
    this.lastMessage = text;
    this.message = '';
    return { kind: 'message', message: summarize(text) };
  }
}
