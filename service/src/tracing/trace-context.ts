import { type Context, context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { tracingOn } from './trace-switch.ts';

// W3C Trace Context: version-traceid-parentid-flags (a later version may add fields after these).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The active span as a W3C `traceparent`, to keep with a task, a queue job or a webhook delivery
 * so work done later (on any instance) joins its trace. Undefined when tracing is off or no span
 * is active.
 */
export function currentTraceparent(): string | undefined {
  if (!tracingOn()) return undefined;
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The trace id of a stored `traceparent`, or undefined when it is not one. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  return parse(traceparent)?.traceId;
}

/** A context whose parent is the span a stored `traceparent` names (on top of `base`); undefined for a malformed one. */
export function contextOf(traceparent: string | null | undefined, base: Context = ROOT_CONTEXT): Context | undefined {
  const parsed = parse(traceparent);
  return parsed ? trace.setSpanContext(base, { ...parsed, isRemote: true }) : undefined;
}

/** Runs `fn` with the span a stored `traceparent` names as the active parent (as is, when tracing is off or there is none). */
export function withTraceparent<T>(traceparent: string | null | undefined, fn: () => T): T {
  if (!tracingOn()) return fn();
  const parent = contextOf(traceparent, context.active());
  return parent ? context.with(parent, fn) : fn();
}

function parse(traceparent: string | null | undefined): { traceId: string; spanId: string; traceFlags: number } | undefined {
  const match = TRACEPARENT.exec(traceparent?.trim().toLowerCase() ?? '');
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const spanContext = { traceId, spanId, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED };
  return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}
