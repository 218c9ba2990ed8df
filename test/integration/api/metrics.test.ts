/**
 * GET /metrics as Prometheus scrapes it: guarded (token or a key with the metrics scope), in the
 * text format a real parser reads, with figures that follow what the service did.
 */
import { createServer, type Server } from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, waitForTaskEnd, type TestService } from '../../support/service-harness.ts';
import { until } from '../../support/until.ts';

const metricsToken = 'metrics-token-0123456789';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }>;
}

describe.each(driverKinds)('metrics on %s', (kind) => {
  let service: TestService;
  let repo: TestRepo;
  let receiver: Server;
  let receiverUrl: string;
  let text = '';
  const scrape = async (): Promise<Map<string, Family>> => {
    const response = await service.services.app.request('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await response.text();
    const families = parsePrometheusTextFormat(text) as Family[];
    return new Map(families.map((family) => [family.name, family]));
  };
  const sample = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) =>
    families.get(name)?.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));

  beforeAll(async () => {
    repo = await createTestRepo();
    receiver = createServer((_request, response) => response.writeHead(200).end());
    await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    service = await startTestService({ kind, env: { KAGE_METRICS_TOKEN: metricsToken } });
  });
  afterAll(async () => {
    await service?.stop();
    receiver?.close();
    await repo?.cleanup();
  });

  it('answers only the metrics token or a key with the metrics scope', async () => {
    const app = service.services.app;
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
    const made = await service.request('/api/v1/keys', { method: 'POST', json: { name: 'reader', scopes: ['tasks:read'] } });
    const reader = ((await made.json()) as { secret: string }).secret;
    const refused = await app.request('/metrics', { headers: { 'x-api-key': reader } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { details: { scope: string } } }).error.details.scope).toBe('metrics');
    expect((await app.request('/metrics', { headers: { 'x-api-key': TEST_API_KEY } })).status).toBe(200);
  });

  it('counts tasks, attempts, verify, webhooks, events and requests as the service works', async () => {
    await service.request('/api/v1/subscriptions', { method: 'POST', json: { url: receiverUrl, events: ['task.completed'] } });
    const submitted = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'metrics',
        repository: { path: repo.path },
        agents: [
          { agent: 'command', command: ['sh', '-c', 'echo one; echo two > two.txt'] },
          { agent: 'command', command: ['sh', '-c', 'echo three > three.txt'] },
        ],
        verify: { command: ['test', '-f', 'two.txt'] },
      },
    });
    const { id } = (await submitted.json()) as { id: string };
    expect((await waitForTaskEnd(service, id)).status).toBe('completed');
    const families = await until('the completed task\'s webhook in the metrics', async () => {
      const scraped = await scrape();
      return Number(sample(scraped, 'kage_webhook_attempts_total', { outcome: 'delivered' })?.value ?? 0) >= 1 ? scraped : undefined;
    }, 30_000);

    expect(Number(sample(families, 'kage_tasks', { status: 'completed' })?.value)).toBe(1);
    expect(sample(families, 'kage_attempts_running')?.value).toBe('0');
    expect(sample(families, 'kage_verify_attempts', { result: 'passed' })?.value).toBe('1');
    expect(sample(families, 'kage_verify_attempts', { result: 'failed' })?.value).toBe('1');
    expect(Number(sample(families, 'kage_events_stored_total')?.value)).toBeGreaterThanOrEqual(8);
    expect(sample(families, 'kage_agent_cost_usd', { agent: 'command' })?.value).toBe('0');
    expect(families.get('kage_queue_jobs_waiting')?.metrics.length).toBeGreaterThan(0);
    expect(families.get('kage_webhook_attempt_duration_seconds')?.type).toBe('HISTOGRAM');

    const posts = sample(families, 'kage_http_requests_total', { method: 'POST', route: '/api/v1/tasks', status: '202' });
    expect(posts?.value).toBe('1');
    const latency = families.get('kage_http_request_duration_seconds');
    expect(latency?.type).toBe('HISTOGRAM');
    expect(Number(latency?.metrics[0]?.buckets?.['+Inf'])).toBeGreaterThan(0);
    // The parser keeps a histogram's buckets but not its labels: those are read from the text.
    expect(text).toMatch(/^kage_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/tasks\/:id",status="200"\} [1-9]/m);
    // Route patterns, not paths: one label value however many tasks there are.
    expect(JSON.stringify(families.get('kage_http_requests_total'))).not.toContain(id);
    expect(Number(sample(families, 'process_cpu_user_seconds_total')?.value)).toBeGreaterThan(0);
  });
});
