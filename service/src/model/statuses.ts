/**
 * A task's and an attempt's statuses: one list each, from which the types, the API's schemas and
 * the checks are derived. The review pages' scripts restate the finished ones (no build step);
 * a drift test holds them to these lists.
 */
export const taskStatuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** A task in one of these has ended (a follow-up may start it again). */
export const finishedTaskStatuses = ['completed', 'failed', 'cancelled'] as const satisfies readonly TaskStatus[];

export function isFinishedTask(status: string): boolean {
  return (finishedTaskStatuses as readonly string[]).includes(status);
}

export const attemptStatuses = ['pending', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export type AttemptStatus = (typeof attemptStatuses)[number];
