/**
 * An API instance with the event and webhook routes on a real HTTP port, over a given
 * database: two of them on one PostgreSQL database are two service instances.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createHttpRoot } from '../../../service/src/http.ts';
import { BrowserSessions } from '../../../service/src/access/browser-sessions.ts';
import { KeyRing } from '../../../service/src/access/key-ring.ts';
import { registerTaskRoutes } from '../../../service/src/api/routes/task-routes.ts';
import { RepositoryValidator } from '../../../service/src/tasks/repository-validator.ts';
import { registerEventRoutes } from '../../../service/src/api/routes/event-routes.ts';
import { registerWebhookRoutes } from '../../../service/src/api/routes/webhook-routes.ts';
import type { Db } from '../../../service/src/db/db.ts';
import { TaskRepository } from '../../../service/src/db/task-repository.ts';
import { EventFeed } from '../../../service/src/events/event-feed.ts';
import { fanOutEvents } from '../../../service/src/webhooks/fan-out.ts';
import { EventStore } from '../../../service/src/events/event-store.ts';
import { SHARED_ATTEMPT_QUEUE, TaskQueue } from '../../../service/src/queue/task-queue.ts';
import { TaskService } from '../../../service/src/tasks/task-service.ts';
import { WebhookTargets } from '../../../service/src/webhooks/webhook-targets.ts';
import { type KeyedRequest, keyedRequest } from '../../support/keyed-request.ts';
import { silentLogger } from '../webhooks/webhook-fixtures.ts';

export const API_KEY = 'events-test-key-0123456789';

export interface EventApp {
  url: string;
  feed: EventFeed;
  events: EventStore;
  request: KeyedRequest;
  close(): Promise<void>;
}

export async function startEventApp(
  db: Db,
  options: { allowedHosts?: string[]; heartbeatMs?: number; maxStreamsPerKey?: number; events?: EventStore } = {},
): Promise<EventApp> {
  const events = options.events ?? new EventStore(db, { onStored: fanOutEvents });
  const feed = new EventFeed(db);
  const webhookTargets = new WebhookTargets(db, options.allowedHosts ?? []);
  const taskRepository = new TaskRepository(db);
  const tasks = new TaskService({
    db,
    tasks: taskRepository,
    events,
    queue: new TaskQueue(db, silentLogger),
    repositories: new RepositoryValidator([]),
    webhookTargets,
    localAttemptQueue: SHARED_ATTEMPT_QUEUE,
  });
  const app = createHttpRoot({
    db,
    logger: silentLogger,
    keys: new KeyRing([API_KEY]),
    sessions: new BrowserSessions(db),
    publicUrl: '',
    draining: () => false,
    api: {
      tasks: taskRepository,
      rateLimitPerMinute: 100_000,
      routes: (api) => {
        registerTaskRoutes(api, { tasks, publicUrl: '' });
        registerEventRoutes(api, { tasks: taskRepository, events, feed, heartbeatMs: options.heartbeatMs, maxStreamsPerKey: options.maxStreamsPerKey });
        registerWebhookRoutes(api, { db, tasks: taskRepository, webhookTargets });
      },
    },
  });
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    feed,
    events,
    request: keyedRequest(url, API_KEY),
    async close() {
      await feed.close();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise((resolve) => server!.close(resolve));
    },
  };
}

export interface SseMessage {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** Reads an SSE response message by message; `next()` resolves undefined when the stream ended. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';

  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }

  async next(): Promise<SseMessage | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return parseBlock(block);
      }
      const { done, value } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next message that is not a comment (heartbeat). */
  async nextEvent(): Promise<SseMessage | undefined> {
    for (;;) {
      const message = await this.next();
      if (!message || message.comment === undefined) return message;
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

function parseBlock(block: string): SseMessage {
  const message: SseMessage = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) message.comment = line.slice(1).trim();
    const match = /^(event|id|data|retry): ?(.*)$/.exec(line);
    if (match) message[match[1] as 'event' | 'id' | 'data' | 'retry'] = match[2];
  }
  return message;
}

/** A JSON answer as loosely typed data: the tests check its shape with expect(). */
export const readJson = (response: Response): Promise<any> => response.json();
