/**
 * A local webhook receiver: answers 204 at once and records every request's arrival time, its
 * `webhook-id` and its parsed body.
 */
import { createServer, type Server } from 'node:http';
import { now } from './stats.ts';

export interface ReceivedWebhook {
  at: number;
  id: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(onReceive?: (hook: ReceivedWebhook) => void): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = now();
      response.writeHead(204).end();
      const hook: ReceivedWebhook = { at, id: String(request.headers['webhook-id'] ?? ''), body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') };
      received.push(hook);
      onReceive?.(hook);
    });
  });
  server.keepAliveTimeout = 60_000;
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
