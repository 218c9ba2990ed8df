import { readsAllTasks } from '../../access/scopes.ts';
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import { streamSSE } from 'hono/streaming';
import type { EventFeed } from '../../events/event-feed.ts';
import type { EventStore } from '../../events/event-store.ts';
import { streamProgress } from '../../events/progress-stream.ts';
import { streamTaskChanges } from '../../events/task-changes-stream.ts';
import { SharedEventReads } from '../../events/shared-reads.ts';
import type { TaskRepository } from '../../db/task-repository.ts';
import { requireTask } from '../../tasks/require-task.ts';
import type { ApiEnv } from '../context-variables.ts';
import { HttpError } from '../http-error.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';
import { commonErrors, notFoundError } from '../schemas/error-schemas.ts';
import { EventList, EventListQuery, ProgressHeaders, ProgressQuery } from '../schemas/event-schemas.ts';
import { TaskIdParam } from '../schemas/task-schemas.ts';

type EventList = z.infer<typeof EventList>;

export interface EventRouteDeps {
  tasks: Pick<TaskRepository, 'exists' | 'ownedBy'>;
  events: EventStore;
  feed: EventFeed;
  /** Tests shorten it; 15 s otherwise. */
  heartbeatMs?: number;
  /** Open SSE streams one API key may hold (KAGE_SSE_STREAMS_PER_KEY). */
  maxStreamsPerKey?: number;
}

const listEvents = createRoute({

  operationId: 'listEvents',
  method: 'get',
  path: '/tasks/{id}/events',
  tags: ['Events'],
  summary: 'A page of a task’s progress events, in seq order',
  ...needs('tasks:read'),
  request: { params: TaskIdParam, query: EventListQuery },
  responses: { 200: json(EventList, 'Events after `after`'), ...commonErrors, ...notFoundError },
});

const progress = createRoute({

  operationId: 'streamProgress',
  method: 'get',
  path: '/tasks/{id}/progress',
  tags: ['Events'],
  summary: 'Live progress as Server-Sent Events',
  description:
    'Sends `connected`, then every stored event after `Last-Event-ID` (or `?after=`), then each new event as it is stored ' +
    '(by any service instance). SSE `event` = the event type, `id` = its seq, `data` = the TaskEvent as JSON. ' +
    'A comment line every 15 s keeps proxies from closing the connection. The stream ends after task.completed, task.failed or task.cancelled.',
  ...needs('tasks:read'),
  request: { params: TaskIdParam, query: ProgressQuery, headers: ProgressHeaders },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
    ...commonErrors,
    ...notFoundError,
  },
});

const taskChanges = createRoute({

  operationId: 'streamTaskChanges',
  method: 'get',
  path: '/task-changes',
  tags: ['Events'],
  summary: 'Which tasks changed, live, as Server-Sent Events',
  description:
    'Sends `connected`, then `changed` with `{"taskIds": [...]}` (gathered for at most 300 ms) whenever any task stores an event, ' +
    'and `resync` when changes may have been missed (read the list again). It carries no task data: read the tasks it names; ' +
    'a key without tasks:read-all hears of its own tasks only. ' +
    'The review pages\' task list uses it to update live.',
  ...needs('tasks:read'),
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
    ...commonErrors,
  },
});

/** `GET /tasks/{id}/events`, `GET /tasks/{id}/progress` (SSE) and `GET /task-changes` (SSE). */
export function registerEventRoutes(app: OpenAPIHono<ApiEnv>, deps: EventRouteDeps): void {
  const reads = new SharedEventReads(deps.events);
  const streams = new Map<string, number>();
  const maxStreams = deps.maxStreamsPerKey ?? 100;

  /** Counts the key's open streams (429 past KAGE_SSE_STREAMS_PER_KEY) until the response body ends. */
  const withStreamSlot = (key: string, open: (release: () => void) => Response): never => {
    const count = streams.get(key) ?? 0;
    if (count >= maxStreams) {
      throw new HttpError(429, 'too_many_streams', `This API key has ${count} progress streams open, the most allowed (KAGE_SSE_STREAMS_PER_KEY); close one first`, undefined, {
        'Retry-After': '5',
      });
    }
    streams.set(key, count + 1);
    const release = () => {
      const left = (streams.get(key) ?? 1) - 1;
      if (left > 0) streams.set(key, left);
      else streams.delete(key);
    };
    return open(release) as never;
  };

  app.openapi(listEvents, async (c) => {
    const { id } = c.req.valid('param');
    const { after, limit } = c.req.valid('query');
    await requireTask(deps.tasks, id);
    const items = await deps.events.listAfter(id, after, limit);
    // TaskEvent.data is an open record; the schema's per-type data objects describe the same JSON.
    const page: EventList = { items: items as unknown as EventList['items'], nextAfter: items.at(-1)?.seq ?? after };
    return c.json(page, 200);
  });

  app.openapi(progress, async (c) => {
    const { id } = c.req.valid('param');
    await requireTask(deps.tasks, id);
    const lastEventId = c.req.valid('header')['last-event-id'];
    const after = lastEventId !== undefined ? Number(lastEventId) : (c.req.valid('query').after ?? 0);
    const stillValid = c.get('stillValid');
    c.header('X-Accel-Buffering', 'no');
    return withStreamSlot(c.get('apiKeyId'), (release) =>
      streamSSE(c, async (sse) => {
        try {
          await streamProgress(sse, { ...deps, events: reads, access: { stillValid } }, id, after);
        } finally {
          release();
        }
      }),
    );
  });

  app.openapi(taskChanges, (c) => {
    const principal = c.get('principal');
    const stillValid = c.get('stillValid');
    c.header('X-Accel-Buffering', 'no');
    return withStreamSlot(c.get('apiKeyId'), (release) =>
      streamSSE(c, async (sse) => {
        try {
          await streamTaskChanges(sse, { ...deps, access: { stillValid } }, readsAllTasks(principal) ? undefined : (ids) => deps.tasks.ownedBy(principal.keyId, ids));
        } finally {
          release();
        }
      }),
    );
  });
}
