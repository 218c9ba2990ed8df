import { describe, expect, it } from 'vitest';
import { inSpan } from '../../../service/src/tracing/spans.ts';
import { contextOf, currentTraceparent, traceIdOf } from '../../../service/src/tracing/trace-context.ts';
import { tracingOn, tracingWanted } from '../../../service/src/tracing/trace-switch.ts';

describe('whether tracing is wanted (the standard OTEL_ variables)', () => {
  it('is on with either OTLP endpoint variable, off without, and off when the SDK or the traces exporter is disabled', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'false' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });
});

describe('stored traceparent values', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  it('reads W3C traceparents and refuses malformed or invalid ones', () => {
    expect(traceIdOf(`00-${traceId}-00f067aa0ba902b7-01`)).toBe(traceId);
    expect(traceIdOf(`00-${traceId.toUpperCase()}-00F067AA0BA902B7-00`)).toBe(traceId);
    // A later version may add fields; version 00 may not, and ff is never valid.
    expect(traceIdOf(`01-${traceId}-00f067aa0ba902b7-01-more`)).toBe(traceId);
    expect(traceIdOf(`00-${traceId}-00f067aa0ba902b7-01-more`)).toBeUndefined();
    expect(traceIdOf(`ff-${traceId}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(traceIdOf(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(traceIdOf(`00-${traceId}-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(traceIdOf('00-abc-def-01')).toBeUndefined();
    expect(traceIdOf(null)).toBeUndefined();
    expect(contextOf('nonsense')).toBeUndefined();
  });
});

describe('with tracing off', () => {
  it('runs the work as is: no active span, no traceparent, errors passed on', async () => {
    expect(tracingOn()).toBe(false);
    const seen = await inSpan('work', { 'kage.task.id': 'x', empty: undefined }, (span) => ({ recording: span.isRecording(), traceparent: currentTraceparent() }));
    expect(seen).toEqual({ recording: false, traceparent: undefined });
    await expect(inSpan('work', {}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
