import type { Logger } from '../logger.ts';
import { setTracingOn, tracingWanted } from './trace-switch.ts';

export interface Tracing {
  readonly on: boolean;
  /** Sends the spans still buffered and stops the SDK (before the process exits). */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { on: false, shutdown: async () => {} };

/**
 * Starts OpenTelemetry's Node SDK when the environment asks for traces (trace-switch.ts), with
 * everything else read from the standard OTEL_ variables (endpoint, protocol, headers, sampler,
 * resource attributes, batch delays). The SDK is imported here only: a service without the
 * variables never loads it. Traces only: metrics stay Prometheus's (GET /metrics).
 */
export async function startTracing(env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<Tracing> {
  if (!tracingWanted(env)) return OFF;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    // Ours unless the environment names the service (the SDK reads both variables itself).
    serviceName: (env.OTEL_SERVICE_NAME?.trim() || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '')) ? undefined : 'kage-bunshin',
    // Nothing patched behind our back: the spans are the ones the service makes itself.
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  setTracingOn(true);
  logger.info({ endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: spans go to the OTLP endpoint');
  return {
    on: true,
    async shutdown() {
      setTracingOn(false);
      await sdk.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing: the last spans could not be sent'));
    },
  };
}
