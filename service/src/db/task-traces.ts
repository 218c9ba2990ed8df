/**
 * A task's trace (tracing on): the `traceparent` of the span that submitted it, kept in its row,
 * under which a merge or a pull request asked for later (by a request of another trace, on any
 * instance) is traced. Nothing is read or written while tracing is off.
 */
import { tracingOn } from '../tracing/trace-switch.ts';
import type { Queryable } from './db.ts';

/** Keeps `traceparent` with the task, in the transaction that stores it. */
export async function keepTaskTrace(tx: Queryable, taskId: string, traceparent: string | undefined): Promise<void> {
  if (traceparent) await tx.query('UPDATE tasks SET traceparent = $2 WHERE id = $1', [taskId, traceparent]);
}

/** The task's `traceparent`, or undefined (tracing off, or a task submitted while it was). */
export async function taskTraceOf(db: Queryable, taskId: string): Promise<string | undefined> {
  if (!tracingOn()) return undefined;
  const [row] = await db.query<{ traceparent: string | null }>('SELECT traceparent FROM tasks WHERE id = $1', [taskId]);
  return row?.traceparent ?? undefined;
}
