import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest } from '../agent-adapter.ts';
import { as, describeToolCall, readJsonLine, summarize, textProgress } from '../json-line.ts';

/** Its settings and the providers it speaks to. */
const ownVariables = ['OPENCODE_*', 'OPENAI_*', 'ANTHROPIC_*', 'GEMINI_*', 'GOOGLE_*', 'OPENROUTER_*'];

/**
 * OpenCode: `opencode run --format json PROMPT`, with every tool permission granted through
 * `OPENCODE_PERMISSION` (there is no interactive approval in a worktree run) and no
 * self-update; `--session ID` resumes a session (a verify round's fix, a follow-up).
 */
export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  displayName: 'OpenCode',
  binaryName: 'opencode',
  installHint: 'npm install -g opencode-ai',
  protectedFlags: [],
  reportsCost: true,
  resumesSessions: true,
  invocation(request: InvocationRequest, binaryPath: string) {
    const args = ['run', '--format', 'json'];
    if (request.model) args.push('--model', request.model);
    if (request.resume) args.push('--session', request.resume);
    args.push(...request.extraArgs, '--', request.prompt);
    return { file: binaryPath, args, env: { OPENCODE_PERMISSION: JSON.stringify({ '*': 'allow' }), OPENCODE_DISABLE_AUTOUPDATE: '1' }, passEnv: ownVariables };
  },
  createParser: () => new OpencodeJsonParser(),
};

const envelope = z.object({ sessionID: z.string().optional() });
const textLine = z.object({ part: z.object({ text: z.string() }) });
const toolLine = z.object({
  part: z.object({
    tool: z.string(),
    state: z.object({ status: z.string().optional(), input: z.unknown().optional(), title: z.string().optional(), error: z.string().optional() }).optional(),
  }),
});
const stepFinishLine = z.object({
  part: z.object({
    reason: z.string().optional(),
    cost: z.number().optional(),
    tokens: z
      .object({
        input: z.number().optional(),
        output: z.number().optional(),
        reasoning: z.number().optional(),
        cache: z.object({ read: z.number().optional(), write: z.number().optional() }).optional(),
      })
      .optional(),
  }),
});
const errorLine = z.object({
  error: z.object({ name: z.string().optional(), message: z.string().optional(), data: z.object({ message: z.string().optional() }).optional() }),
});

/** Parses `opencode run --format json` (step_start, text, tool_use, step_finish, error). */
export class OpencodeJsonParser implements AgentOutputParser {
  private sessionId: string | undefined;
  private costUsd: number | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private finishedSteps = 0;
  private error: string | undefined;
  private lastText: string | undefined;

  parseLine(line: string): AgentProgress | undefined {
    const json = readJsonLine(line);
    if (!json) return textProgress(line);
    this.sessionId ??= as(envelope, json.value)?.sessionID;
    switch (json.type) {
      case 'step_start':
        return this.finishedSteps === 0 ? { kind: 'init', message: `session ${this.sessionId ?? 'started'}` } : undefined;
      case 'text': {
        const text = as(textLine, json.value)?.part.text;
        if (!text?.trim()) return undefined;
        this.lastText = text;
        return { kind: 'message', message: summarize(text) };
      }
      case 'tool_use': {
        const part = as(toolLine, json.value)?.part;
        if (!part) return undefined;
        const failed = part.state?.status === 'error' ? ` failed: ${part.state.error ?? ''}` : '';
        return { kind: 'tool', message: summarize(`${describeToolCall(part.tool, part.state?.input)}${failed}`) };
      }
      case 'step_finish':
        return this.stepFinish(as(stepFinishLine, json.value));
      case 'error': {
        const error = as(errorLine, json.value)?.error;
        this.error = error?.data?.message ?? error?.message ?? error?.name ?? 'error';
        return { kind: 'error', message: summarize(this.error) };
      }
      default:
        return undefined;
    }
  }

  finish(exitCode: number | null): AgentOutcome {
    const succeeded = exitCode === 0 && this.error === undefined && this.finishedSteps > 0;
    return {
      succeeded,
      sessionId: this.sessionId,
      costUsd: this.costUsd,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      finalMessage: this.lastText,
      error: succeeded ? undefined : (this.error ?? `opencode exited with code ${exitCode ?? 'none'}${this.finishedSteps === 0 ? ' before finishing a step' : ''}`),
    };
  }

  private stepFinish(line: z.infer<typeof stepFinishLine> | undefined): AgentProgress | undefined {
    this.finishedSteps += 1;
    const part = line?.part;
    if (!part) return undefined;
    if (part.cost !== undefined) this.costUsd = (this.costUsd ?? 0) + part.cost;
    const tokens = part.tokens;
    if (tokens) {
      this.inputTokens = (this.inputTokens ?? 0) + (tokens.input ?? 0) + (tokens.cache?.read ?? 0) + (tokens.cache?.write ?? 0);
      this.outputTokens = (this.outputTokens ?? 0) + (tokens.output ?? 0) + (tokens.reasoning ?? 0);
    }
    return { kind: 'usage', message: `step finished (${part.reason ?? 'done'})`, costUsd: this.costUsd };
  }
}
