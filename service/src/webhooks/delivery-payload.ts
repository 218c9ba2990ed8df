import { terminalEventTypes } from '../events/event-types.ts';
import type { ClaimedDelivery } from './delivery-store.ts';

/**
 * The webhook body: `{type, timestamp, data}` as Standard Webhooks suggests. `data` carries the
 * event's own fields plus taskId, seq and agentLabel; terminal events also carry the task's
 * summary (status, winner, cost, result), so a waiting workflow needs no second request.
 * A callback's deliveries name the callback (`data.callback`), so its waiter can tell its own
 * from another's and end it.
 */
export function webhookBody(delivery: ClaimedDelivery): string {
  const data: Record<string, unknown> = {
    ...delivery.eventData,
    taskId: delivery.taskId,
    seq: delivery.seq,
    agentLabel: delivery.agentLabel,
  };
  if (terminalEventTypes.has(delivery.type)) data.task = delivery.task;
  if (delivery.callbackId) data.callback = { id: delivery.callbackId, name: delivery.callbackName };
  return JSON.stringify({ type: delivery.type, timestamp: delivery.eventTimestamp, data });
}
