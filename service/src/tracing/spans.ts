import { type Attributes, type AttributeValue, context, type Link, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, INVALID_SPAN_CONTEXT } from '@opentelemetry/api';
import { contextOf, traceIdOf } from './trace-context.ts';
import { tracingOn } from './trace-switch.ts';

export type { Span };
export { SpanKind };

/** Attribute values as the service has them: undefined and null ones are left out. */
export type SpanFields = Record<string, AttributeValue | null | undefined>;

export interface SpanOptions {
  kind?: SpanKind;
  /**
   * A stored `traceparent` (the task's) to hang the span under instead of the active span: work
   * that a later request starts on a task (a merge, a pull request) joins the task's trace, and
   * links to the request's span. When the request already belongs to that trace, it stays the parent.
   */
  under?: string | null | undefined;
  /**
   * Ignore the active context: the span's parent is `under`'s, or none. For work a background
   * loop does for many tasks (webhook deliveries), whose loop may have been woken inside any span.
   */
  detached?: boolean;
}

// Handed to `fn` when tracing is off: every call on it does nothing.
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `fn` in a new span (the active one while it runs), ends it when `fn` settles, and records
 * what `fn` throws on it (exception event, status ERROR, `error.type`). With tracing off, runs `fn` as is.
 */
export async function inSpan<T>(name: string, fields: SpanFields, fn: (span: Span) => Promise<T> | T, options: SpanOptions = {}): Promise<T> {
  if (!tracingOn()) return await fn(NOT_RECORDING);
  const active = options.detached ? ROOT_CONTEXT : context.active();
  const { parent, links } = parentOf(active, options.under);
  return await trace
    .getTracer('kage-bunshin')
    .startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: attributes(fields), links }, parent, async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
}

/** Adds attributes to a span (undefined and null values left out). */
export function setSpanFields(span: Span, fields: SpanFields): void {
  if (span.isRecording()) span.setAttributes(attributes(fields));
}

/**
 * Marks a span failed: an Error is recorded as an exception event; a string is a failure the
 * code reports without throwing (an attempt that failed, a webhook answered 500). `type` is the
 * semantic conventions' `error.type` (a class of error: an exception's name, a status code).
 */
export function failSpan(span: Span, error: unknown, type?: string): void {
  if (!span.isRecording()) return;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  // A refusal's code (not_verified, target_moved) says more than its class.
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', type ?? (typeof code === 'string' ? code : error instanceof Error ? error.name : 'failed'));
}

function parentOf(active: ReturnType<typeof context.active>, under: string | null | undefined): { parent: typeof active; links: Link[] } {
  const stored = contextOf(under, active);
  const current = trace.getSpanContext(active);
  if (!stored || (current && current.traceId === traceIdOf(under))) return { parent: active, links: [] };
  return { parent: stored, links: current && trace.isSpanContextValid(current) ? [{ context: current }] : [] };
}

function attributes(fields: SpanFields): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== null) kept[key] = value;
  return kept;
}
