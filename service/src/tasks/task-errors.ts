/** Refusals of task operations that callers (the API, the n8n nodes through it) tell apart. */
export class TaskNotFoundError extends Error {
  readonly taskId: string;

  constructor(taskId: string) {
    super(`Task ${taskId} does not exist`);
    this.name = 'TaskNotFoundError';
    this.taskId = taskId;
  }
}

export class TaskEndedError extends Error {
  readonly taskId: string;

  constructor(taskId: string, status: string) {
    super(`Task ${taskId} already ended with status ${status}; nothing to cancel`);
    this.name = 'TaskEndedError';
    this.taskId = taskId;
  }
}

export class IdempotencyKeyReusedError extends Error {
  readonly taskId: string;

  constructor(taskId: string) {
    super(`Idempotency-Key was already used for task ${taskId} with a different request body; use a new key`);
    this.name = 'IdempotencyKeyReusedError';
    this.taskId = taskId;
  }
}
