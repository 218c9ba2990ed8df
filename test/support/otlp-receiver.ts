/**
 * A loopback OTLP/HTTP trace receiver (what Jaeger, Tempo or a collector listen on at
 * /v1/traces), decoding each export with OpenTelemetry's own protobuf definitions
 * (test/support/otlp-proto, from opentelemetry-proto) through protobufjs. Its /webhook path
 * takes webhook deliveries and keeps their headers, for a service's callbacks.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const protoDir = join(import.meta.dirname, 'otlp-proto');

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** SPAN_KIND_SERVER, SPAN_KIND_CLIENT, … */
  kind: string;
  attributes: Record<string, unknown>;
  /** The resource of the process that sent it (service.name, process.pid, …). */
  resource: Record<string, unknown>;
  status: { code: string; message: string };
  events: string[];
  links: Array<{ traceId: string; spanId: string }>;
  startNs: bigint;
  endNs: bigint;
}

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Where webhook deliveries may be sent. */
  webhookUrl: string;
  spans: ReceivedSpan[];
  /** Requests received on /v1/traces (decoded or not). */
  exports: number;
  webhooks: Array<{ headers: IncomingHttpHeaders; body: unknown }>;
  close(): Promise<void>;
}

function loadRequestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
  return root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}

function valueOf(value: AnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((entry) => [entry.key, valueOf(entry.value)]));
}

const hex = (bytes: string | undefined) => Buffer.from(bytes ?? '', 'base64').toString('hex');

export function decodeTraces(type: protobuf.Type, body: Buffer): ReceivedSpan[] {
  const request = type.toObject(type.decode(body), { longs: String, enums: String, bytes: String, defaults: true, oneofs: false }) as {
    resourceSpans: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
  };
  return request.resourceSpans.flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: hex(span.traceId as string),
        spanId: hex(span.spanId as string),
        parentSpanId: hex(span.parentSpanId as string),
        name: span.name as string,
        kind: span.kind as string,
        attributes: attributesOf(span.attributes as KeyValue[]),
        resource,
        status: { code: String((span.status as { code?: string } | undefined)?.code ?? 'STATUS_CODE_UNSET'), message: (span.status as { message?: string } | undefined)?.message ?? '' },
        events: ((span.events as Array<{ name: string }>) ?? []).map((event) => event.name),
        links: ((span.links as Array<{ traceId: string; spanId: string }>) ?? []).map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId) })),
        startNs: BigInt(span.startTimeUnixNano as string),
        endNs: BigInt(span.endTimeUnixNano as string),
      })),
    );
  });
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const type = loadRequestType();
  const state = { spans: [] as ReceivedSpan[], exports: 0, webhooks: [] as OtlpReceiver['webhooks'] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.url === '/v1/traces' && req.method === 'POST') {
        state.exports += 1;
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        try {
          state.spans.push(...decodeTraces(type, body));
        } catch (error) {
          res.writeHead(400).end(String(error));
          return;
        }
        // An empty ExportTraceServiceResponse: everything accepted.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        return;
      }
      if (req.url?.startsWith('/webhook') && req.method === 'POST') {
        state.webhooks.push({ headers: req.headers, body: JSON.parse(raw.toString('utf8') || 'null') });
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    webhookUrl: `http://127.0.0.1:${port}/webhook`,
    get spans() {
      return state.spans;
    },
    get exports() {
      return state.exports;
    },
    get webhooks() {
      return state.webhooks;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
