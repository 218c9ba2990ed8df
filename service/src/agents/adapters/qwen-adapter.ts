import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest } from '../agent-adapter.ts';
import { as, readJsonLine } from '../json-line.ts';
import { priceTokens } from '../price-table.ts';
import { ClaudeStreamParser } from './claude-adapter.ts';

/** Its settings and its OpenAI-compatible endpoint. */
const ownVariables = ['QWEN_*', 'OPENAI_*', 'DASHSCOPE_*'];

/**
 * Qwen Code: `qwen --output-format stream-json --approval-mode yolo --prompt=PROMPT` (`plan`
 * when the run may not edit). The prompt is one `--prompt=` argument, as for Gemini CLI (which
 * Qwen Code is a fork of): it ignores a positional prompt after `--`, and a prompt starting with
 * `-` must not be read as an option. Its stream-json follows Claude Code's (system/init, assistant, user,
 * result), without dollars: cost is its tokens × the price table. Any OpenAI-compatible
 * endpoint serves it (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL); `--resume ID` resumes.
 */
export const qwenAdapter: AgentAdapter = {
  name: 'qwen',
  displayName: 'Qwen Code',
  binaryName: 'qwen',
  installHint: 'npm install -g @qwen-code/qwen-code',
  protectedFlags: ['--approval-mode', '--yolo', '-y', '--include-directories', '--worktree'],
  reportsCost: false,
  resumesSessions: true,
  invocation(request: InvocationRequest, binaryPath: string) {
    const args = ['--output-format', 'stream-json', '--approval-mode', request.readOnly ? 'plan' : 'yolo'];
    if (request.resume) args.push('--resume', request.resume);
    if (request.model) args.push('--model', request.model);
    args.push(...request.extraArgs, `--prompt=${request.prompt}`);
    // It warns on every yolo run without its own sandbox; ours confines it.
    return { file: binaryPath, args, env: { QWEN_CODE_SUPPRESS_YOLO_WARNING: '1' }, passEnv: ownVariables };
  },
  createParser: () => new QwenStreamParser(),
};

const initLine = z.object({ subtype: z.string(), model: z.string().optional() });
const resultUsage = z.object({ usage: z.object({ input_tokens: z.number().optional(), output_tokens: z.number().optional() }) });

export class QwenStreamParser implements AgentOutputParser {
  private readonly claudeLike = new ClaudeStreamParser();
  private model: string | undefined;
  /** The result's tokens, priced: the attempt's cost, known once it ends. */
  private costUsd: number | undefined;

  parseLine(line: string): AgentProgress | undefined {
    const json = readJsonLine(line);
    if (json?.type === 'system') this.model ??= as(initLine, json.value)?.model;
    // Its stream events (goal state, partial messages) carry nothing the attempt reports.
    if (json?.type === 'stream_event') return undefined;
    const progress = this.claudeLike.parseLine(line);
    if (json?.type !== 'result' || !progress) return progress;
    const usage = as(resultUsage, json.value)?.usage;
    this.costUsd = usage ? (priceTokens('qwen', this.model, usage.input_tokens ?? 0, usage.output_tokens ?? 0) ?? undefined) : undefined;
    return this.costUsd === undefined ? progress : { ...progress, message: `${progress.message}, $${this.costUsd.toFixed(4)} (priced)`, costUsd: this.costUsd };
  }

  finish(exitCode: number | null): AgentOutcome {
    const outcome = this.claudeLike.finish(exitCode);
    return { ...outcome, costUsd: this.costUsd, error: outcome.error?.replace(/^claude/, 'qwen') };
  }
}
