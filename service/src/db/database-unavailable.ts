/**
 * Telling "the database is not there right now" (server stopped, restarting, network gone) from
 * a query that is wrong. The first is worth waiting out; the second is not.
 */
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (connectionCodes.has(code)) return true;
    // SQLSTATE 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  return /Connection terminated|connection is closed|Client was closed|timeout exceeded when trying to connect/i.test(error.message);
}

export interface RetryOptions {
  /** Give up (rethrow) after this long without the database. */
  maxWaitMs?: number;
  /** Called once per failed try, e.g. to log. */
  onWait?: (error: unknown, waitedMs: number) => void;
}

/**
 * Runs `work`, trying again with backoff (0.25 s doubling to 5 s) while the database is
 * unavailable, so results reached during an outage are stored when it is back. Other errors,
 * and an outage longer than `maxWaitMs` (default 10 minutes), are thrown.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxWaitMs = options.maxWaitMs ?? 10 * 60_000;
  const started = Date.now();
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      const waited = Date.now() - started;
      if (!isDatabaseUnavailable(error) || waited >= maxWaitMs) throw error;
      options.onWait?.(error, waited);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
