import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest } from '../agent-adapter.ts';
import { as, describeToolCall, readJsonLine, summarize, textProgress } from '../json-line.ts';

/** Its API key and endpoint, Bedrock's and Vertex's credentials, its own switches. */
const ownVariables = ['ANTHROPIC_*', 'CLAUDE_*', 'DISABLE_*', 'AWS_*', 'CLOUD_ML_REGION', 'VERTEX_*', 'GOOGLE_APPLICATION_CREDENTIALS'];

/**
 * Claude Code: `claude -p PROMPT --output-format stream-json --verbose --permission-mode acceptEdits`.
 * Root may not use --dangerously-skip-permissions; acceptEdits lets it write files in the worktree.
 * The prompt goes last, after `--`, so a prompt starting with `-` is not read as an option.
 */
export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  displayName: 'Claude Code',
  binaryName: 'claude',
  installHint: 'npm install -g @anthropic-ai/claude-code',
  protectedFlags: ['--permission-mode', '--dangerously-skip-permissions', '--allow-dangerously-skip-permissions', '--add-dir', '--allowedTools', '--allowed-tools', '--settings'],
  reportsCost: true,
  resumesSessions: true,
  invocation(request: InvocationRequest, binaryPath: string) {
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', request.readOnly ? 'plan' : 'acceptEdits'];
    if (request.resume) args.push('--resume', request.resume);
    if (request.model) args.push('--model', request.model);
    if (request.budgetUsd !== undefined) args.push('--max-budget-usd', String(request.budgetUsd));
    args.push(...request.extraArgs, '--', request.prompt);
    return { file: binaryPath, args, env: {}, passEnv: ownVariables };
  },
  createParser: () => new ClaudeStreamParser(),
};

const contentBlock = z.object({
  type: z.string(),
  text: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});
const initLine = z.object({ subtype: z.string(), session_id: z.string().optional(), model: z.string().optional() });
const messageLine = z.object({ message: z.object({ content: z.union([z.string(), z.array(contentBlock)]) }), session_id: z.string().optional() });
const resultLine = z.object({
  subtype: z.string(),
  is_error: z.boolean().optional(),
  result: z.string().optional(),
  session_id: z.string().optional(),
  total_cost_usd: z.number().optional(),
  num_turns: z.number().optional(),
  errors: z.array(z.string()).optional(),
  usage: z
    .object({
      input_tokens: z.number().optional(),
      output_tokens: z.number().optional(),
      cache_creation_input_tokens: z.number().optional(),
      cache_read_input_tokens: z.number().optional(),
    })
    .optional(),
});
type ResultLine = z.infer<typeof resultLine>;

/** Parses Claude Code's stream-json (also the shape cursor-agent imitates, see cursor-adapter). */
export class ClaudeStreamParser implements AgentOutputParser {
  private sessionId: string | undefined;
  private result: ResultLine | undefined;
  private lastText: string | undefined;

  parseLine(line: string): AgentProgress | undefined {
    const json = readJsonLine(line);
    if (!json) return textProgress(line);
    switch (json.type) {
      case 'system': {
        const init = as(initLine, json.value);
        if (init?.subtype !== 'init') return undefined;
        this.sessionId = init.session_id ?? this.sessionId;
        return { kind: 'init', message: `session started${init.model ? ` (model ${init.model})` : ''}` };
      }
      case 'assistant':
        return this.assistant(as(messageLine, json.value));
      case 'user':
        return this.toolErrors(as(messageLine, json.value));
      case 'result': {
        const result = as(resultLine, json.value);
        if (!result) return undefined;
        this.result = result;
        this.sessionId = result.session_id ?? this.sessionId;
        const cost = result.total_cost_usd;
        // Claude Code reports some failures (not logged in, say) as subtype "success" with is_error.
        const outcome = result.is_error === true ? `error${result.result ? `: ${summarize(result.result, 200)}` : ''}` : result.subtype;
        const summary = `${outcome}${result.num_turns !== undefined ? `, ${result.num_turns} turns` : ''}${cost !== undefined ? `, $${cost.toFixed(4)}` : ''}`;
        return { kind: result.is_error === true ? 'error' : 'result', message: summary, costUsd: cost };
      }
      default:
        return undefined;
    }
  }

  finish(exitCode: number | null): AgentOutcome {
    const result = this.result;
    if (!result) {
      return { succeeded: false, sessionId: this.sessionId, finalMessage: this.lastText, error: `claude ended without a result line (exit code ${exitCode ?? 'none'})` };
    }
    const usage = result.usage;
    const inputTokens = usage ? (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) : undefined;
    const succeeded = result.subtype === 'success' && result.is_error !== true && exitCode === 0;
    return {
      succeeded,
      sessionId: this.sessionId,
      costUsd: result.total_cost_usd,
      inputTokens,
      outputTokens: usage?.output_tokens,
      finalMessage: result.result ?? this.lastText,
      error: succeeded ? undefined : describeFailure(result, exitCode),
    };
  }

  private assistant(line: z.infer<typeof messageLine> | undefined): AgentProgress | undefined {
    if (!line) return undefined;
    const blocks = typeof line.message.content === 'string' ? [{ type: 'text', text: line.message.content }] : line.message.content;
    const tools = blocks.filter((block) => block.type === 'tool_use').map((block) => describeToolCall(block.name ?? 'tool', block.input));
    if (tools.length > 0) return { kind: 'tool', message: summarize(tools.join('; ')) };
    const text = blocks.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('\n').trim();
    if (text === '') return undefined;
    this.lastText = text;
    return { kind: 'message', message: summarize(text) };
  }

  private toolErrors(line: z.infer<typeof messageLine> | undefined): AgentProgress | undefined {
    if (!line || typeof line.message.content === 'string') return undefined;
    const failed = line.message.content.find((block) => block.type === 'tool_result' && block.is_error === true);
    if (!failed) return undefined;
    const detail = typeof failed.content === 'string' ? failed.content : JSON.stringify(failed.content ?? '');
    return { kind: 'tool', message: summarize(`tool error: ${detail}`) };
  }
}

function describeFailure(result: ResultLine, exitCode: number | null): string {
  if (result.subtype === 'error_max_budget_usd') return 'claude stopped: its --max-budget-usd was reached';
  if (result.subtype === 'error_max_turns') return 'claude stopped: its --max-turns was reached';
  const detail = result.errors?.join('; ') || result.result;
  if (result.subtype === 'success' && result.is_error !== true) return `claude exited with code ${exitCode ?? 'none'}`;
  const kind = result.subtype === 'success' ? '' : ` (${result.subtype})`;
  return summarize(`claude failed${kind}${detail ? `: ${detail}` : ''}`, 500);
}
