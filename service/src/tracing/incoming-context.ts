import { context, propagation } from '@opentelemetry/api';
import { tracingOn } from './trace-switch.ts';

/**
 * Runs `fn` under the trace context a caller sent (`traceparent`, `tracestate`: the propagators
 * the OTEL_PROPAGATORS variable names, W3C Trace Context by default), so a request from n8n or
 * any traced client continues the caller's trace. As is when tracing is off.
 */
export function withIncomingContext<T>(header: (name: string) => string | undefined, fn: () => T): T {
  if (!tracingOn()) return fn();
  const carrier: Record<string, string> = {};
  for (const name of propagation.fields()) {
    const value = header(name);
    if (value !== undefined) carrier[name] = value;
  }
  return context.with(propagation.extract(context.active(), carrier), fn);
}
