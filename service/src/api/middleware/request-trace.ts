import type { MiddlewareHandler } from 'hono';
import { withIncomingContext } from '../../tracing/incoming-context.ts';
import { failSpan, inSpan, setSpanFields, SpanKind } from '../../tracing/spans.ts';
import { tracingOn } from '../../tracing/trace-switch.ts';

const UNTRACED = new Set(['/health', '/health/ready', '/metrics']);

/**
 * A SERVER span per request (tracing on), continuing the caller's trace when it sends a
 * `traceparent`, named by method and route pattern (`POST /api/v1/tasks/:id/merge`: bounded
 * names), with the HTTP semantic conventions' attributes. 5xx answers mark it failed.
 */
export function requestTrace(): MiddlewareHandler {
  return async (c, next) => {
    // Probes and scrapes every few seconds would bury the traces that matter.
    if (!tracingOn() || UNTRACED.has(c.req.path)) return next();
    const method = c.req.method;
    const url = new URL(c.req.url);
    await withIncomingContext(
      (name) => c.req.header(name),
      () =>
        inSpan(
          method,
          {
            'http.request.method': method,
            'url.path': url.pathname,
            'url.scheme': url.protocol.replace(':', ''),
            'user_agent.original': c.req.header('user-agent'),
          },
          async (span) => {
            await next();
            const route = c.req.routePath;
            const status = c.res.status;
            span.updateName(`${method} ${route}`);
            setSpanFields(span, { 'http.route': route, 'http.response.status_code': status });
            if (status >= 500) failSpan(span, `answered ${status}`, String(status));
          },
          { kind: SpanKind.SERVER },
        ),
    );
  };
}
