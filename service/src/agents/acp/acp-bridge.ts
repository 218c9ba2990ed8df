/**
 * Runs an agent that speaks the Agent Client Protocol (JSON-RPC over stdio) the way the service
 * runs every agent: one process in the attempt's sandbox, printing one JSON line per thing that
 * happened, which acp-adapter.ts parses. Started as
 *   node acp-bridge.ts --cwd DIR --prompt TEXT -- AGENT ARGV...
 * It opens a session in DIR, sends the prompt, prints the session's updates
 * (messages, tool calls, plans) and answers each permission request by the policy below,
 * printing every decision. A `cancel` line on its stdin (what the service writes when the
 * attempt is cancelled), or SIGTERM, cancels the prompt through the protocol (session/cancel);
 * the agent is signalled only if it has not ended its turn a few seconds later.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { client, methods, ndJsonStream, PROTOCOL_VERSION, type RequestPermissionRequest, type RequestPermissionResponse } from '@agentclientprotocol/sdk';
import { startAgentChild } from './agent-child.ts';
import { CANCEL_LINE, type BridgeLine } from './bridge-lines.ts';

const CANCEL_GRACE_MS = 3_000;
/** How long a failed session waits for the agent's exit, which then says why it failed. */
const EXIT_WAIT_MS = 500;

const print = (line: BridgeLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

function parseArgs(argv: string[]): { cwd: string; prompt: string; agent: string[] } {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const value = (name: string) => {
    const at = own.indexOf(name);
    return at === -1 ? undefined : own[at + 1];
  };
  const cwd = value('--cwd');
  const prompt = value('--prompt');
  const agent = split === -1 ? [] : argv.slice(split + 1);
  if (!cwd || prompt === undefined || agent.length === 0) throw new Error('usage: acp-bridge --cwd DIR --prompt TEXT -- AGENT ARGV...');
  return { cwd: resolve(cwd), prompt, agent };
}

/**
 * The permission policy: edits, reads and searches whose every location lies inside the
 * worktree are allowed (once); anything else (a command, a fetch, a path outside) is refused.
 * The sandbox confines the agent anyway; this keeps it from even trying what it may not.
 */
function decide(request: Pick<RequestPermissionRequest, 'toolCall'>, cwd: string): { allow: boolean; reason: string } {
  const kind = request.toolCall.kind ?? null;
  const paths = (request.toolCall.locations ?? []).map((location) => resolve(cwd, location.path));
  // Not path-inside.ts: in the sandbox the bridge sees only its own folder.
  const outside = paths.find((path) => {
    const rel = relative(cwd, path);
    return rel.startsWith('..') || isAbsolute(rel);
  });
  if (outside) return { allow: false, reason: `${outside} is outside the worktree` };
  if (kind === 'edit' || kind === 'read' || kind === 'search' || kind === 'delete' || kind === 'move') {
    return { allow: true, reason: paths.length > 0 ? `${kind} inside the worktree` : `${kind} with no path named` };
  }
  return { allow: false, reason: `${kind ?? 'an unnamed kind of'} tool: only edits, reads and searches inside the worktree are allowed` };
}

function answer(request: RequestPermissionRequest, allow: boolean): RequestPermissionResponse {
  const wanted = allow ? ['allow_once', 'allow_always'] : ['reject_once', 'reject_always'];
  const option = request.options.find((candidate) => candidate.kind === wanted[0]) ?? request.options.find((candidate) => wanted.includes(candidate.kind));
  return option ? { outcome: { outcome: 'selected', optionId: option.optionId } } : { outcome: { outcome: 'cancelled' } };
}

async function main(): Promise<number> {
  const { cwd, prompt, agent } = parseArgs(process.argv.slice(2));
  const agentChild = await startAgentChild(agent, cwd);
  const child = agentChild.process;
  const stream = ndJsonStream(Writable.toWeb(child.stdin) as WritableStream<Uint8Array>, Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>);

  let cancel: (() => Promise<void>) | undefined;
  let cancelling = false;
  const cancelPrompt = () => {
    if (cancelling) return;
    cancelling = true;
    // Cancel through the protocol first; the agent gets a moment to end its turn.
    void cancel?.().catch(() => {});
    void agentChild.stop(CANCEL_GRACE_MS);
  };
  process.once('SIGTERM', cancelPrompt);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    if (text.split('\n').includes(CANCEL_LINE)) cancelPrompt();
  });
  process.stdin.on('error', () => {});

  const app = client({ name: 'kage-bunshin' })
    .onNotification(methods.client.session.update, ({ params }) => {
      // The agent's slash commands say nothing about the attempt (and can be a very long line).
      if (params.update.sessionUpdate === 'available_commands_update') return;
      print({ type: 'update', update: params.update as unknown as Record<string, unknown> });
    })
    .onRequest(methods.client.session.requestPermission, ({ params }) => {
      const { allow, reason } = decide(params, cwd);
      print({ type: 'permission', tool: params.toolCall.title ?? params.toolCall.toolCallId, kind: params.toolCall.kind ?? null, decision: allow ? 'allowed' : 'refused', reason });
      return answer(params, allow);
    });

  try {
    await app.connectWith(stream, async (agentSide) => {
      const init = await agentSide.request(methods.agent.initialize, {
        protocolVersion: PROTOCOL_VERSION,
        clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
      });
      const { sessionId } = await agentSide.request(methods.agent.session.new, { cwd, mcpServers: [] });
      print({ type: 'session', sessionId, agent: init.agentInfo?.name ?? null });
      cancel = () => agentSide.notify(methods.agent.session.cancel, { sessionId });
      const result = await agentSide.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: prompt }] });
      print({ type: 'result', stopReason: result.stopReason, usage: (result as { usage?: Record<string, unknown> }).usage ?? null });
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The connection closes when the agent dies: then its exit says more than the protocol can.
    const exitCode = await Promise.race([agentChild.exited, delay(EXIT_WAIT_MS, undefined)]);
    print({ type: 'error', message: exitCode === undefined ? reason : `${agent[0]} exited with code ${exitCode} before its ACP session ended (${reason})` });
    await agentChild.stop();
    return 1;
  }
  child.stdin.end();
  await agentChild.stop(CANCEL_GRACE_MS);
  process.stdin.destroy();
  return 0;
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      print({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      process.exit(2);
    },
  );
}
