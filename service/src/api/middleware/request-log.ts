import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../logger.ts';

/** One JSON line per request, with the request id; never headers or bodies (they hold keys). */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - start),
      },
      'request',
    );
  };
}
