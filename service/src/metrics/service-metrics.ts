/**
 * What an operator scrapes at GET /metrics (Prometheus text format, prom-client). Counters and
 * histograms of what this instance did (HTTP requests, webhook attempts, events stored) are
 * kept here; figures of the whole service (tasks, attempts, queue, spending, verify) are read
 * from the database once at each scrape (`scrape`) through `Figures`, so every instance reports the same.
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
  private readonly figures: Figures;
  private readonly figureGauges: ReturnType<typeof createFigureGauges>;

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

    this.figureGauges = createFigureGauges(this.registry);
    this.figures = figures;
  }

  /** The text a scrape answers: the service's figures read once, then every metric in the Prometheus format. */
  async scrape(): Promise<string> {
    const { figures, figureGauges: g } = this;
    const [tasks, running, queues, spending, verify] = await Promise.all([
      figures.tasksByStatus(),
      figures.runningAttempts(),
      figures.queues(),
      figures.spending(),
      figures.verifyOutcomes(),
    ]);
    for (const metric of Object.values(g)) metric.reset();
    for (const { status, count } of tasks) g.tasks.set({ status }, count);
    g.attemptsRunning.set(running);
    for (const { queue, queued, active, oldestQueuedSeconds } of queues) {
      g.queueWaiting.set({ queue }, queued);
      g.queueActive.set({ queue }, active);
      if (oldestQueuedSeconds !== null) g.queueOldest.set({ queue }, oldestQueuedSeconds);
    }
    for (const row of spending) {
      const labels = { agent: row.agent, model: row.model };
      g.cost.set(labels, row.costUsd);
      g.inputTokens.set(labels, row.inputTokens);
      g.outputTokens.set(labels, row.outputTokens);
    }
    g.verify.set({ result: 'passed' }, verify.passed);
    g.verify.set({ result: 'failed' }, verify.failed);
    g.sseClients.set(figures.sseClients());
    return await this.registry.metrics();
  }
}

/** The gauges of the service's figures, set at each scrape. */
function createFigureGauges(registry: Registry) {
  const gauge = <L extends string = never>(name: string, help: string, labelNames: L[] = []) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  return {
    tasks: gauge('kage_tasks', 'Tasks by status', ['status']),
    attemptsRunning: gauge('kage_attempts_running', 'Attempts (agent processes) running, on every instance'),
    queueWaiting: gauge('kage_queue_jobs_waiting', 'Jobs waiting in each queue', ['queue']),
    queueActive: gauge('kage_queue_jobs_active', 'Jobs being worked in each queue', ['queue']),
    queueOldest: gauge('kage_queue_oldest_waiting_seconds', 'Age of the oldest waiting job in each queue', ['queue']),
    cost: gauge('kage_agent_cost_usd', 'What attempts cost, by agent and model, over every task kept', ['agent', 'model']),
    inputTokens: gauge('kage_agent_input_tokens', 'Input tokens of attempts, by agent and model', ['agent', 'model']),
    outputTokens: gauge('kage_agent_output_tokens', 'Output tokens of attempts, by agent and model', ['agent', 'model']),
    verify: gauge('kage_verify_attempts', 'Attempts whose verify command ran, by result', ['result']),
    sseClients: gauge('kage_sse_clients', 'Open Server-Sent Event streams on this instance'),
  };
}
