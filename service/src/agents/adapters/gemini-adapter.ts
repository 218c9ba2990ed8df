import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest, ParserContext } from '../agent-adapter.ts';
import { as, describeToolCall, readJsonLine, summarize, textProgress } from '../json-line.ts';
import { priceTokens } from '../price-table.ts';

/** Its API key, endpoint and Google Cloud project. */
const ownVariables = ['GEMINI_*', 'GOOGLE_*'];

/**
 * Gemini CLI: `gemini --prompt=PROMPT --output-format stream-json --approval-mode auto_edit`.
 * `--prompt=` (the long form of -p) keeps a prompt starting with `-` from being read as an option.
 */
export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  displayName: 'Gemini CLI',
  binaryName: 'gemini',
  installHint: 'npm install -g @google/gemini-cli',
  protectedFlags: ['--approval-mode', '-y', '--yolo', '--include-directories', '--allowed-tools'],
  reportsCost: false,
  resumesSessions: true,
  invocation(request: InvocationRequest, binaryPath: string) {
    const args = [`--prompt=${request.prompt}`, '--output-format', 'stream-json', '--approval-mode', 'auto_edit'];
    // Gemini resumes by recency within the project (the worktree): the latest there is this attempt's.
    if (request.resume) args.push('--resume', 'latest');
    if (request.model) args.push('-m', request.model);
    args.push(...request.extraArgs);
    return { file: binaryPath, args, env: {}, passEnv: ownVariables };
  },
  createParser: (context?: ParserContext) => new GeminiStreamParser(context?.model),
};

/** Gemini CLI's documented exit codes for headless runs. */
const exitReasons: Record<number, string> = {
  41: 'gemini could not authenticate',
  42: 'gemini rejected its input',
  44: 'gemini sandbox error',
  52: 'gemini configuration error',
  53: 'gemini stopped: the session turn limit was reached',
  130: 'gemini was cancelled',
};

const initLine = z.object({ session_id: z.string().optional(), model: z.string().optional() });
const messageLine = z.object({ role: z.string(), content: z.string(), delta: z.boolean().optional() });
const toolUseLine = z.object({ tool_name: z.string(), parameters: z.unknown().optional() });
const toolResultLine = z.object({
  status: z.string(),
  output: z.string().optional(),
  error: z.object({ message: z.string().optional() }).optional(),
});
const errorLine = z.object({ severity: z.string().optional(), message: z.string() });
const stats = z.object({ input_tokens: z.number().optional(), output_tokens: z.number().optional(), tool_calls: z.number().optional() });
const resultLine = z.object({
  status: z.string(),
  error: z.object({ type: z.string().optional(), message: z.string().optional() }).optional(),
  stats: stats.optional(),
});
type ResultLine = z.infer<typeof resultLine>;

/** Parses `gemini --output-format stream-json` (init, message, tool_use, tool_result, error, result). */
export class GeminiStreamParser implements AgentOutputParser {
  private readonly model: string | undefined;
  private sessionId: string | undefined;
  private result: ResultLine | undefined;
  private lastError: string | undefined;
  /** Assistant text since the last tool call: the run's final message once it ends. */
  private reply = '';

  constructor(model: string | undefined) {
    this.model = model;
  }

  parseLine(line: string): AgentProgress | undefined {
    const json = readJsonLine(line);
    if (!json) return textProgress(line);
    switch (json.type) {
      case 'init': {
        const init = as(initLine, json.value);
        this.sessionId = init?.session_id ?? this.sessionId;
        return { kind: 'init', message: `session started${init?.model ? ` (model ${init.model})` : ''}` };
      }
      case 'message': {
        const message = as(messageLine, json.value);
        if (!message || message.role !== 'assistant') return undefined;
        this.reply = message.delta === true ? this.reply + message.content : message.content;
        return message.content.trim() === '' ? undefined : { kind: 'message', message: summarize(message.content) };
      }
      case 'tool_use': {
        const tool = as(toolUseLine, json.value);
        if (!tool) return undefined;
        this.reply = '';
        return { kind: 'tool', message: describeToolCall(tool.tool_name, tool.parameters) };
      }
      case 'tool_result': {
        const result = as(toolResultLine, json.value);
        if (!result || result.status === 'success') return undefined;
        return { kind: 'tool', message: summarize(`tool ${result.status}: ${result.error?.message ?? result.output ?? ''}`) };
      }
      case 'error': {
        const error = as(errorLine, json.value);
        if (!error) return undefined;
        this.lastError = error.message;
        return { kind: 'error', message: summarize(error.message) };
      }
      case 'result':
        return this.resultLine(as(resultLine, json.value));
      default:
        return undefined;
    }
  }

  finish(exitCode: number | null): AgentOutcome {
    const result = this.result;
    const succeeded = exitCode === 0 && result?.status === 'success';
    const reason =
      (exitCode !== null ? exitReasons[exitCode] : undefined) ??
      result?.error?.message ??
      this.lastError ??
      (result ? `gemini ended with status ${result.status} (exit code ${exitCode ?? 'none'})` : `gemini ended without a result line (exit code ${exitCode ?? 'none'})`);
    return {
      succeeded,
      sessionId: this.sessionId,
      inputTokens: result?.stats?.input_tokens,
      outputTokens: result?.stats?.output_tokens,
      finalMessage: this.reply.trim() || undefined,
      error: succeeded ? undefined : reason,
    };
  }

  private resultLine(result: ResultLine | undefined): AgentProgress | undefined {
    if (!result) return undefined;
    this.result = result;
    const input = result.stats?.input_tokens;
    const output = result.stats?.output_tokens;
    const costUsd = priceTokens('gemini', this.model, input, output) ?? undefined;
    const tokens = input !== undefined || output !== undefined ? `, ${input ?? 0} input, ${output ?? 0} output tokens` : '';
    return { kind: 'result', message: `${result.status}${tokens}`, costUsd };
  }
}
