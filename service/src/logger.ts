import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; anything that looks like a credential is redacted wherever it appears. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'kage-bunshin' },
    // With tracing on, a line written inside a span names it, so logs and traces find each other.
    mixin: traceFields,
    redact: {
      // A failed query's parameters may hold secrets (a callback's whsec_): never log them.
      paths: [
        '*.apiKey',
        '*.secret',
        '*.token',
        '*.authorization',
        '*["x-api-key"]',
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'err.parameters',
        'err.params',
        'err.query',
      ],
      censor: '[redacted]',
    },
  });
}

/** The active span's ids (OpenTelemetry's log conventions), or nothing: no span is active while tracing is off. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !trace.isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}`.slice(-2) };
}
