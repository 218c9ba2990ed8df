import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest } from '../agent-adapter.ts';
import { summarize, textProgress } from '../json-line.ts';

/** Its settings and the providers it speaks to. */
const ownVariables = ['AIDER_*', 'OPENAI_*', 'ANTHROPIC_*', 'GEMINI_*', 'OPENROUTER_*', 'DEEPSEEK_*', 'GROQ_*', 'MISTRAL_*', 'OLLAMA_*'];

/**
 * Aider: `aider --message=PROMPT --yes-always --no-auto-commits` (Kage commits the worktree
 * itself). Aider prints plain text; after each model call it prints a line like
 * `Tokens: 2.1k sent, 95 received. Cost: $0.0078 message, $0.0123 session.`, which gives the
 * running cost.
 */
export const aiderAdapter: AgentAdapter = {
  name: 'aider',
  displayName: 'Aider',
  binaryName: 'aider',
  installHint: 'python -m pip install aider-install && aider-install (see aider.chat)',
  protectedFlags: [],
  reportsCost: true,
  resumesSessions: false,
  invocation(request: InvocationRequest, binaryPath: string) {
    const args = [`--message=${request.prompt}`, '--yes-always', '--no-auto-commits', '--no-pretty', '--no-check-update'];
    if (request.model) args.push('--model', request.model);
    args.push(...request.extraArgs);
    return { file: binaryPath, args, env: {}, passEnv: ownVariables };
  },
  createParser: () => new AiderTextParser(),
};

const usagePattern = /Tokens: ([\d.]+k?) sent.*?([\d.]+k?) received\.\s*Cost: \$([\d.]+) message, \$([\d.]+) session/;
const editPattern = /^(Applied edit to|Wrote|Created) /;
const errorPattern = /^(Error|.*Exception:|litellm\.|The API provider)/;

export class AiderTextParser implements AgentOutputParser {
  private sessionCost: number | undefined;
  private inputTokens = 0;
  private outputTokens = 0;
  private sawUsage = false;
  private lastText: string | undefined;
  private lastError: string | undefined;

  parseLine(line: string): AgentProgress | undefined {
    const usage = usagePattern.exec(line);
    if (usage) {
      this.sawUsage = true;
      this.inputTokens += tokenCount(usage[1]);
      this.outputTokens += tokenCount(usage[2]);
      this.sessionCost = Number(usage[4]);
      return { kind: 'usage', message: summarize(line), costUsd: this.sessionCost };
    }
    const trimmed = line.trim();
    if (editPattern.test(trimmed)) return { kind: 'tool', message: summarize(trimmed) };
    if (errorPattern.test(trimmed)) {
      this.lastError = trimmed;
      return { kind: 'error', message: summarize(trimmed) };
    }
    const progress = textProgress(line);
    if (progress) this.lastText = trimmed;
    return progress;
  }

  finish(exitCode: number | null): AgentOutcome {
    const succeeded = exitCode === 0;
    return {
      succeeded,
      costUsd: this.sessionCost,
      inputTokens: this.sawUsage ? this.inputTokens : undefined,
      outputTokens: this.sawUsage ? this.outputTokens : undefined,
      finalMessage: this.lastText,
      error: succeeded ? undefined : (this.lastError ?? `aider exited with code ${exitCode ?? 'none'}`),
    };
  }
}

/** "2.1k" → 2100, "95" → 95. */
function tokenCount(text: string | undefined): number {
  if (text === undefined) return 0;
  return text.endsWith('k') ? Math.round(Number(text.slice(0, -1)) * 1000) : Number(text);
}
