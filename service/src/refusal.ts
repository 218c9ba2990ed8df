/** What kind of "no" a refusal is; `api/error-map.ts` gives each kind its one HTTP status. */
export type RefusalKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'gone';

/**
 * A request the service refuses for a reason the caller can act on, with a machine-readable
 * code and the details that explain it. Domain code throws these (or subclasses adding typed
 * fields); anything else that reaches the API is a bug and answers 500.
 */
export class Refusal extends Error {
  readonly kind: RefusalKind;
  readonly code: string;
  readonly details: unknown;

  constructor(kind: RefusalKind, code: string, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

/** Something named by id that does not exist (a task, a callback, a subscription…). */
export class NotFoundError extends Refusal {
  constructor(what: string, id: string, details?: unknown) {
    super('not_found', 'not_found', `${what} ${id} does not exist`, details);
  }
}
