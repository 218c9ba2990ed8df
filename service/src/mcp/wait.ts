/**
 * wait_for_task: follows the task's progress stream (GET /tasks/{id}/progress, which ends after
 * the task's last event), turning each event into an MCP progress notification, then reads the task.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { KageApi, SseMessage } from './kage-api.ts';

const finished = new Set(['completed', 'failed', 'cancelled']);

export interface WaitResult {
  [key: string]: unknown;
  done: boolean;
  task: unknown;
}

export async function waitForTask(
  api: KageApi,
  id: string,
  timeoutSeconds: number,
  extra: Pick<RequestHandlerExtra<ServerRequest, ServerNotification>, 'signal' | '_meta' | 'sendNotification'>,
): Promise<WaitResult> {
  const token = extra._meta?.progressToken;
  const signal = AbortSignal.any([extra.signal, AbortSignal.timeout(timeoutSeconds * 1000)]);
  let seen = 0;
  for await (const message of api.events(`/tasks/${encodeURIComponent(id)}/progress`, signal)) {
    if (message.event === 'connected') continue;
    seen += 1;
    if (token !== undefined) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: seen, message: describe(message) } });
    }
  }
  if (extra.signal.aborted) throw extra.signal.reason;
  const task = await api.call('GET', `/tasks/${encodeURIComponent(id)}`);
  return { done: finished.has((task as { status?: string }).status ?? ''), task };
}

/** One line for people: "claude-1 agent.completed: succeeded", "verify.completed: passed". */
function describe(message: SseMessage): string {
  let event: { agentLabel?: string | null; data?: Record<string, unknown> } = {};
  try {
    event = JSON.parse(message.data) as typeof event;
  } catch {
    // A message that is not JSON still counts as progress.
  }
  const data = event.data ?? {};
  const detail = [data.status, data.passed === true ? 'passed' : data.passed === false ? 'failed' : undefined, data.winner ? `winner ${String(data.winner)}` : undefined]
    .filter((part) => typeof part === 'string')
    .join(', ');
  return `${event.agentLabel ? `${event.agentLabel} ` : ''}${message.event}${detail ? `: ${detail}` : ''}`;
}
