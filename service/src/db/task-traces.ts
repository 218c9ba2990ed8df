/**
 * A task's trace (tracing on): the `traceparent` of the span that submitted it, kept in its row
 * (TaskRecord.traceparent), under which a merge or a pull request asked for later (by a request
 * of another trace, on any instance) is traced. Nothing is written while tracing is off.
 */
import type { Queryable } from './db.ts';

/** Keeps `traceparent` with the task, in the transaction that stores it. */
export async function keepTaskTrace(tx: Queryable, taskId: string, traceparent: string | undefined): Promise<void> {
  if (traceparent) await tx.query('UPDATE tasks SET traceparent = $2 WHERE id = $1', [taskId, traceparent]);
}
