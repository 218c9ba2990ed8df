import { NotFoundError, Refusal } from '../refusal.ts';

/** Refusals of task operations that callers (the API, the n8n nodes through it) tell apart. */
export class TaskNotFoundError extends NotFoundError {
  readonly taskId: string;

  constructor(taskId: string) {
    super('Task', taskId);
    this.taskId = taskId;
  }
}

export class TaskEndedError extends Refusal {
  readonly taskId: string;

  constructor(taskId: string, status: string) {
    super('conflict', 'task_ended', `Task ${taskId} already ended with status ${status}; nothing to cancel`);
    this.taskId = taskId;
  }
}

export class IdempotencyKeyReusedError extends Refusal {
  readonly taskId: string;

  constructor(taskId: string) {
    super('conflict', 'idempotency_key_reused', `Idempotency-Key was already used for task ${taskId} with a different request body; use a new key`, {
      taskId,
    });
    this.taskId = taskId;
  }
}
