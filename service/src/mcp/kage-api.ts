/**
 * The REST API as the MCP tools see it: every tool is one /api/v1 request, so the API's own
 * authentication, scopes, task ownership, key limits and refusals hold for MCP unchanged. Over
 * /mcp the requests go to the same app in-process; `kage-bunshin mcp` (stdio) sends them to a
 * running service over HTTP.
 */

/** Sends one request below /api/v1 (`path` starts with `/`). */
export type ApiSend = (path: string, init: RequestInit) => Promise<Response>;

/** A non-2xx answer of the API, as its error body says it. */
export class ApiRefusal extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** One Server-Sent Event. */
export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
}

export class KageApi {
  private readonly send: ApiSend;
  constructor(send: ApiSend) {
    this.send = send;
  }

  async call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const response = await this.send(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw refusalOf(response.status, parsed);
    return parsed;
  }

  /** The events of an SSE route until the stream ends or `signal` aborts (which ends the iteration quietly). */
  async *events(path: string, signal: AbortSignal): AsyncGenerator<SseMessage> {
    const response = await this.send(path, { method: 'GET', headers: { accept: 'text/event-stream' }, signal });
    if (!response.ok || !response.body) throw refusalOf(response.status, await response.json().catch(() => undefined));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      while (!signal.aborted) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += value.replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = parseSse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (message) yield message;
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      // Ends the stream on the service's side too (its slot per key is released).
      await reader.cancel().catch(() => {});
    }
  }
}

function parseSse(block: string): SseMessage | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 && id === undefined ? undefined : { event, id, data: data.join('\n') };
}

function refusalOf(status: number, body: unknown): ApiRefusal {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  return new ApiRefusal(
    status,
    typeof error?.code === 'string' ? error.code : `http_${status}`,
    typeof error?.message === 'string' ? error.message : `The service answered ${status}`,
    error?.details,
  );
}
