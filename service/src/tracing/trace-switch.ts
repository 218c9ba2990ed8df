/**
 * Whether tracing is on in this process. Off unless the standard OpenTelemetry variables name an
 * OTLP endpoint: then, and only then, the SDK is loaded (tracing-sdk.ts). Every helper asks here
 * first, so with tracing off a span costs one boolean test.
 */
let on = false;

export function tracingOn(): boolean {
  return on;
}

/** Set by startTracing once the SDK is registered (and by tests of the helpers). */
export function setTracingOn(value: boolean): void {
  on = value;
}

/**
 * Traces are wanted when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
 * set, unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none says otherwise.
 */
export function tracingWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase());
  if (exporters.length === 1 && exporters[0] === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}
