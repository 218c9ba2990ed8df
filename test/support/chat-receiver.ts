/** A stand-in for a chat's incoming webhook (Slack-style `{"text": ...}`), recording each post. */
import { createServer } from 'node:http';

export interface ChatReceiver {
  url: string;
  /** Resolves with the first posted `text` that matches. */
  waitFor(matches: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

export async function startChatReceiver(): Promise<ChatReceiver> {
  const texts: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      try {
        texts.push(String((JSON.parse(body) as { text?: unknown }).text));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('chat receiver has no address');
  return {
    url: `http://127.0.0.1:${address.port}/chat`,
    async waitFor(matches, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = texts.find(matches);
        if (found !== undefined) return found;
        await new Promise((tick) => setTimeout(tick, 200));
      }
      throw new Error(`no matching chat message within ${timeoutMs} ms; received: ${JSON.stringify(texts)}`);
    },
    close: () => server.close(),
  };
}
