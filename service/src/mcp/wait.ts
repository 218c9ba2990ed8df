/**
 * wait_for_task: follows the task's events (task-events.ts), turning each into an MCP progress
 * notification, then reads the task.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { KageApi } from './kage-api.ts';
import { type TaskEvent, taskEvents } from './task-events.ts';
import { isFinishedTask } from '../model/statuses.ts';

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
  for await (const event of taskEvents(api, id, signal)) {
    seen += 1;
    if (token !== undefined) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: seen, message: describe(event) } });
    }
  }
  if (extra.signal.aborted) throw extra.signal.reason;
  const task = await api.call('GET', `/tasks/${encodeURIComponent(id)}`);
  return { done: isFinishedTask((task as { status?: string }).status ?? ''), task };
}

/** One line for people: "claude-1 agent.completed: succeeded", "verify.completed: passed". */
function describe(event: TaskEvent): string {
  const data = event.data;
  const detail = [data.status, data.passed === true ? 'passed' : data.passed === false ? 'failed' : undefined, data.winner ? `winner ${String(data.winner)}` : undefined]
    .filter((part) => typeof part === 'string')
    .join(', ');
  return `${event.agentLabel ? `${event.agentLabel} ` : ''}${event.type}${detail ? `: ${detail}` : ''}`;
}
