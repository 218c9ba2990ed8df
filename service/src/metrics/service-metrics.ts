/**
 * What an operator scrapes at GET /metrics (Prometheus text format, prom-client). Counters and
 * histograms of what this instance did (HTTP requests, webhook attempts, events stored) are
 * kept here; figures of the whole service (tasks, attempts, queue, spending, verify) are read
 * from the database at each scrape through `Figures`, so every instance reports the same.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Figures {
  tasksByStatus(): Promise<Array<{ status: string; count: number }>>;
  runningAttempts(): Promise<number>;
  queues(): Promise<Array<{ queue: string; queued: number; active: number; oldestQueuedSeconds: number | null }>>;
  spending(): Promise<Array<{ agent: string; model: string; costUsd: number; inputTokens: number; outputTokens: number }>>;
  verifyOutcomes(): Promise<{ passed: number; failed: number }>;
  sseClients(): number;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly webhookAttempts: Counter<'outcome'>;
  readonly webhookDuration: Histogram<'outcome'>;
  readonly eventsStored: Counter;

  constructor(figures: Figures) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({ name: 'kage_http_requests_total', help: 'HTTP requests by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    this.httpDuration = new Histogram({
      name: 'kage_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status (SSE streams: until their headers)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.webhookAttempts = new Counter({ name: 'kage_webhook_attempts_total', help: 'Webhook delivery attempts by outcome: delivered, retry, failed (given up), endpoint_gone', labelNames: ['outcome'], registers });
    this.webhookDuration = new Histogram({
      name: 'kage_webhook_attempt_duration_seconds',
      help: 'Webhook delivery attempt latency by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers,
    });
    this.eventsStored = new Counter({ name: 'kage_events_stored_total', help: 'Progress events this instance stored (rate() of it: the event store rate)', registers });

    new Gauge({
      name: 'kage_tasks',
      help: 'Tasks by status',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        for (const { status, count } of await figures.tasksByStatus()) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'kage_attempts_running',
      help: 'Attempts (agent processes) running, on every instance',
      registers,
      async collect() {
        this.set(await figures.runningAttempts());
      },
    });
    const queueFigures = (pick: (queue: Awaited<ReturnType<Figures['queues']>>[number]) => number | null) =>
      async function collect(this: Gauge<'queue'>) {
        this.reset();
        for (const queue of await figures.queues()) {
          const value = pick(queue);
          if (value !== null) this.set({ queue: queue.queue }, value);
        }
      };
    new Gauge({ name: 'kage_queue_jobs_waiting', help: 'Jobs waiting in each queue', labelNames: ['queue'], registers, collect: queueFigures((queue) => queue.queued) });
    new Gauge({ name: 'kage_queue_jobs_active', help: 'Jobs being worked in each queue', labelNames: ['queue'], registers, collect: queueFigures((queue) => queue.active) });
    new Gauge({ name: 'kage_queue_oldest_waiting_seconds', help: 'Age of the oldest waiting job in each queue', labelNames: ['queue'], registers, collect: queueFigures((queue) => queue.oldestQueuedSeconds) });
    const spendingFigure = (name: string, help: string, pick: (row: Awaited<ReturnType<Figures['spending']>>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['agent', 'model'],
        registers,
        async collect() {
          this.reset();
          for (const row of await figures.spending()) this.set({ agent: row.agent, model: row.model }, pick(row));
        },
      });
    spendingFigure('kage_agent_cost_usd', 'What attempts cost, by agent and model, over every task kept', (row) => row.costUsd);
    spendingFigure('kage_agent_input_tokens', 'Input tokens of attempts, by agent and model', (row) => row.inputTokens);
    spendingFigure('kage_agent_output_tokens', 'Output tokens of attempts, by agent and model', (row) => row.outputTokens);
    new Gauge({
      name: 'kage_verify_attempts',
      help: 'Attempts whose verify command ran, by result',
      labelNames: ['result'],
      registers,
      async collect() {
        const { passed, failed } = await figures.verifyOutcomes();
        this.set({ result: 'passed' }, passed);
        this.set({ result: 'failed' }, failed);
      },
    });
    new Gauge({
      name: 'kage_sse_clients',
      help: 'Open Server-Sent Event streams on this instance',
      registers,
      collect() {
        this.set(figures.sseClients());
      },
    });
  }
}
