/**
 * When a failed delivery is tried again. `schedule[i]` is the delay in seconds before attempt
 * i + 1; after the last entry the delivery is given up.
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600];

// A receiver asking for more than a day is treated as asking for a day.
const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

/**
 * Seconds to wait before the next attempt after `attemptsMade` failed ones, or undefined when
 * the schedule is exhausted. A larger `Retry-After` from the receiver wins.
 */
export function nextRetryDelay(schedule: readonly number[], attemptsMade: number, retryAfterSeconds: number | undefined): number | undefined {
  const planned = schedule[attemptsMade];
  if (planned === undefined) return undefined;
  return Math.max(planned, Math.min(retryAfterSeconds ?? 0, MAX_RETRY_AFTER_SECONDS));
}

/** Parses `Retry-After` (delta seconds or an HTTP date) into seconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now.getTime()) / 1000);
}
