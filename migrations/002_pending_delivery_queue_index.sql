-- A delivery is at the head of its endpoint's queue when no earlier event of its task is still
-- pending (delivery-store.ts). With only the (task_id, seq) index that check walked past every
-- delivered row of the task, so claiming slowed down as a busy task's history grew; indexing
-- the pending rows alone keeps it to one index probe.
CREATE INDEX webhook_deliveries_pending_queue ON webhook_deliveries (task_id, seq) WHERE status = 'pending';
