import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, nextRetryDelay, parseRetryAfter } from '../../../service/src/webhooks/retry-policy.ts';

describe('retry policy', () => {
  it('follows the schedule, then gives up', () => {
    expect(DEFAULT_RETRY_SCHEDULE.slice(0, 5)).toEqual([0, 5, 300, 1800, 7200]);
    expect(nextRetryDelay(DEFAULT_RETRY_SCHEDULE, 1, undefined)).toBe(5);
    expect(nextRetryDelay(DEFAULT_RETRY_SCHEDULE, 2, undefined)).toBe(300);
    expect(nextRetryDelay(DEFAULT_RETRY_SCHEDULE, DEFAULT_RETRY_SCHEDULE.length, undefined)).toBeUndefined();
  });

  it('waits for Retry-After when it asks for longer, capped at a day', () => {
    expect(nextRetryDelay(DEFAULT_RETRY_SCHEDULE, 1, 120)).toBe(120);
    expect(nextRetryDelay(DEFAULT_RETRY_SCHEDULE, 2, 120)).toBe(300);
    expect(nextRetryDelay(DEFAULT_RETRY_SCHEDULE, 1, 10 * 86400)).toBe(86400);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
