/** The event types a task emits, in the order a task usually emits them. */
export const eventTypes = [
  'task.queued',
  'task.started',
  'tier.started',
  'agent.started',
  'attempt.setup',
  'agent.progress',
  'agent.completed',
  'agent.failed',
  'verify.completed',
  'attempt.round',
  'attempt.follow_up',
  'attempt.cancelled',
  'tier.failed',
  'tier.skipped',
  'task.completed',
  'task.failed',
  'task.cancelled',
  'push.completed',
  'merge.completed',
  'pull_request.opened',
] as const;
export type EventType = (typeof eventTypes)[number];

export const terminalEventTypes: ReadonlySet<EventType> = new Set(['task.completed', 'task.failed', 'task.cancelled']);
/** The event that starts a finished task running again (a follow-up): a terminal event before it ended an earlier run. */
export const reopeningEventType: EventType = 'attempt.follow_up';

export interface TaskEvent {
  taskId: string;
  seq: number;
  type: EventType;
  agentLabel: string | null;
  timestamp: string;
  data: Record<string, unknown>;
}
