import { z } from 'zod';
import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest, ParserContext } from '../agent-adapter.ts';
import { as, readJsonLine, summarize, textProgress } from '../json-line.ts';
import { priceTokens } from '../price-table.ts';

/** Its API key and endpoint; a provider's own `env_key` goes in KAGE_AGENT_ENV. */
const ownVariables = ['OPENAI_*', 'CODEX_*', 'AZURE_OPENAI_*'];

/**
 * Codex CLI: `codex exec --json --skip-git-repo-check -s workspace-write -C DIR PROMPT`
 * (`… resume SESSION PROMPT` for a later round).
 * `--full-auto` no longer exists; in exec mode the workspace-write sandbox needs no approvals.
 * The prompt follows `--` so a prompt starting with `-` is not read as an option.
 */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  displayName: 'Codex CLI',
  binaryName: 'codex',
  installHint: 'npm install -g @openai/codex',
  protectedFlags: ['-s', '--sandbox', '--dangerously-bypass-approvals-and-sandbox', '--full-auto', '-a', '--ask-for-approval', '-C', '--cd', '--add-dir', '-p', '--profile'],
  // `-c key=value` may set a model provider, not the sandbox or approvals.
  protectedConfig: { flags: ['-c', '--config'], keys: /^\s*(sandbox_mode|sandbox_workspace_write|approval_policy|shell_environment_policy|profiles?)\b/ },
  reportsCost: false,
  resumesSessions: true,
  invocation(request: InvocationRequest, binaryPath: string) {
    // Codex's own sandbox (bubblewrap or landlock) cannot nest inside the service's, which confines it instead.
    const sandbox = request.readOnly && !request.confined ? 'read-only' : request.confined ? 'danger-full-access' : 'workspace-write';
    const args = ['exec', '--json', '--skip-git-repo-check', '-s', sandbox, '-C', request.worktree];
    if (request.model) args.push('-m', request.model);
    args.push(...request.extraArgs);
    // `exec resume <session>` continues a verify-and-fix round in the session that made the change.
    if (request.resume) args.push('resume', request.resume);
    args.push('--', request.prompt);
    return { file: binaryPath, args, env: {}, passEnv: ownVariables };
  },
  createParser: (context?: ParserContext) => new CodexJsonParser(context?.model),
};

const item = z.object({
  id: z.string().optional(),
  type: z.string(),
  text: z.string().optional(),
  message: z.string().optional(),
  command: z.string().optional(),
  exit_code: z.number().nullable().optional(),
  status: z.string().optional(),
  changes: z.array(z.object({ path: z.string(), kind: z.string().optional() })).optional(),
  server: z.string().optional(),
  tool: z.string().optional(),
  query: z.string().optional(),
  items: z.array(z.object({ text: z.string(), completed: z.boolean().optional() })).optional(),
});
const itemLine = z.object({ item });
const threadStarted = z.object({ thread_id: z.string() });
const usageLine = z.object({
  usage: z.object({
    input_tokens: z.number().optional(),
    cached_input_tokens: z.number().optional(),
    output_tokens: z.number().optional(),
  }),
});
const failureLine = z.object({ error: z.object({ message: z.string() }) });
const errorLine = z.object({ message: z.string() });

/** Parses `codex exec --json` (thread.started, turn.*, item.*, error). */
export class CodexJsonParser implements AgentOutputParser {
  private readonly model: string | undefined;
  private threadId: string | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private completedTurns = 0;
  private failure: string | undefined;
  private lastError: string | undefined;
  private lastMessage: string | undefined;

  constructor(model: string | undefined) {
    this.model = model;
  }

  parseLine(line: string): AgentProgress | undefined {
    const json = readJsonLine(line);
    if (!json) return textProgress(line);
    switch (json.type) {
      case 'thread.started': {
        const started = as(threadStarted, json.value);
        this.threadId = started?.thread_id ?? this.threadId;
        return { kind: 'init', message: `thread ${this.threadId ?? 'started'}` };
      }
      case 'item.started':
      case 'item.completed':
        return this.item(json.type === 'item.completed', as(itemLine, json.value)?.item);
      case 'turn.completed':
        return this.turnCompleted(as(usageLine, json.value));
      case 'turn.failed': {
        this.failure = as(failureLine, json.value)?.error.message ?? 'turn failed';
        return { kind: 'error', message: summarize(this.failure) };
      }
      case 'error': {
        this.lastError = as(errorLine, json.value)?.message ?? 'error';
        return { kind: 'error', message: summarize(this.lastError) };
      }
      default:
        return undefined;
    }
  }

  finish(exitCode: number | null): AgentOutcome {
    const succeeded = exitCode === 0 && this.completedTurns > 0 && this.failure === undefined;
    return {
      succeeded,
      sessionId: this.threadId,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      finalMessage: this.lastMessage,
      error: succeeded ? undefined : (this.failure ?? this.lastError ?? `codex exited with code ${exitCode ?? 'none'} without completing its turn`),
    };
  }

  private item(completed: boolean, value: z.infer<typeof item> | undefined): AgentProgress | undefined {
    if (!value) return undefined;
    switch (value.type) {
      case 'agent_message':
        if (!completed || !value.text) return undefined;
        this.lastMessage = value.text;
        return { kind: 'message', message: summarize(value.text) };
      case 'reasoning':
        return completed && value.text ? { kind: 'text', message: summarize(value.text) } : undefined;
      case 'command_execution': {
        const exit = completed && value.exit_code !== undefined && value.exit_code !== null ? ` → exit ${value.exit_code}` : '';
        return { kind: 'tool', message: summarize(`$ ${value.command ?? ''}${exit}`) };
      }
      case 'file_change': {
        if (!completed) return undefined;
        const changes = (value.changes ?? []).map((change) => `${change.kind ?? 'change'} ${change.path}`).join(', ');
        return { kind: 'tool', message: summarize(`files: ${changes}`) };
      }
      case 'mcp_tool_call':
        return completed ? { kind: 'tool', message: summarize(`${value.server ?? 'mcp'}.${value.tool ?? 'tool'} ${value.status ?? ''}`) } : undefined;
      case 'web_search':
        return completed ? { kind: 'tool', message: summarize(`web search: ${value.query ?? ''}`) } : undefined;
      case 'todo_list': {
        const items = value.items ?? [];
        return completed ? undefined : { kind: 'text', message: summarize(`plan: ${items.map((todo) => todo.text).join('; ')}`) };
      }
      case 'error':
        // Item-level errors are warnings (e.g. unknown model metadata); turn.failed says when it fails.
        return value.message ? { kind: 'error', message: summarize(value.message) } : undefined;
      default:
        return undefined;
    }
  }

  private turnCompleted(line: z.infer<typeof usageLine> | undefined): AgentProgress {
    this.completedTurns += 1;
    const usage = line?.usage;
    if (usage) {
      this.inputTokens = (this.inputTokens ?? 0) + (usage.input_tokens ?? 0);
      this.outputTokens = (this.outputTokens ?? 0) + (usage.output_tokens ?? 0);
    }
    const costUsd = priceTokens('codex', this.model, this.inputTokens, this.outputTokens) ?? undefined;
    return { kind: 'usage', message: `turn completed: ${this.inputTokens ?? 0} input, ${this.outputTokens ?? 0} output tokens`, costUsd };
  }
}
