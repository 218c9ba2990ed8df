/**
 * How attempts are named in git: `kage/<task-short-id>/<label>` for an attempt's branch and
 * `kage/<task-short-id>/merge-<label>` for its manual merge's review branch.
 */
import { Refusal } from '../refusal.ts';

/** An attempt label: usable in a path and a branch name, never starting with '-' (so never a git option). */
export const ATTEMPT_LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A label that cannot be used in a path and a branch name (e.g. `../x`). */
export class InvalidLabelError extends Refusal {
  readonly label: string;

  constructor(label: string) {
    super('invalid', 'invalid_label', `invalid attempt label '${label}': use letters, digits, '.', '_' and '-' (at most 64)`, { label });
    this.label = label;
  }
}

/**
 * The first 12 hex characters of the task's uuid (48 random bits) for paths and branch names:
 * 8 gave a 1 % chance of two tasks on one repository sharing a branch by about 9,000 tasks; 12
 * pushes that past two million.
 */
export function taskShortId(taskId: string): string {
  const hex = taskId.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{12}/.test(hex)) throw new Error(`task id '${taskId}' is not a uuid`);
  return hex.slice(0, 12);
}

export function attemptBranch(taskId: string, label: string): string {
  assertLabel(label);
  return `kage/${taskShortId(taskId)}/${label}`;
}

export function assertLabel(label: string): void {
  if (!ATTEMPT_LABEL_PATTERN.test(label) || label.endsWith('.lock') || label.includes('..')) throw new InvalidLabelError(label);
}

/** Whether a branch is the service's own (an attempt's, or a manual merge's review branch), never a merge's target. */
export function isServiceBranch(branch: string): boolean {
  return branch.startsWith('kage/');
}

/** The manual strategy's branch for a task's attempt: `kage/<task-short-id>/merge-<label>`. */
export function mergeReviewBranch(taskId: string, label: string): string {
  return `kage/${taskShortId(taskId)}/merge-${label}`;
}
