/**
 * Tracing (issue 36 §2), through real service processes and a loopback OTLP/HTTP receiver that
 * decodes with OpenTelemetry's own protobuf definitions. On: a task submitted with a caller's
 * `traceparent` to one of two instances on one PostgreSQL is one trace — the request, the task,
 * its attempts on both instances (setup, agent, verify), the merge asked for later without a
 * traceparent, and the webhook deliveries, each span's parent where it belongs, the webhook
 * carrying its span's traceparent; a winner's push, run later from its queue, joins it too. Off (no OTLP variable, or OTEL_SDK_DISABLED): nothing is
 * exported and the SDK is never loaded. KAGE_TRACE_PICTURE=<file> writes the README's tree there.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../support/databases.ts';
import { type Forge, startForge } from '../../support/forge-fixture.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../support/otlp-receiver.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { ancestorsOf, drawSpanTree, spanTrees } from '../../support/span-tree.ts';
import { until } from '../../support/until.ts';

const slowAgent = join(import.meta.dirname, '../../fixtures/fake-agents/slow-writing-agent.mjs');
const moduleHook = join(import.meta.dirname, '../../support/module-log-hook.mjs');

interface Task {
  status: string;
  agents: Array<{ label: string; status: string; worker: string | null }>;
}

describe('one trace per task, across instances (OpenTelemetry over OTLP/HTTP)', () => {
  let repo: TestRepo;
  let receiver: OtlpReceiver;
  const instances: ServiceProcess[] = [];
  const folders: string[] = [];
  const start = async (name: string, env: Record<string, string | undefined>) => {
    const dataDir = await makeTempDir(`kage-trace-${name}-`);
    folders.push(dataDir);
    const moduleLog = join(dataDir, 'modules.log');
    // The hook records which OpenTelemetry modules the process loads.
    const instance = await startServiceProcess({ KAGE_DATA_DIR: dataDir, KAGE_WORKER_NAME: name, NODE_OPTIONS: `--import=${moduleHook}`, KAGE_TEST_MODULE_LOG: moduleLog, ...env });
    instances.push(instance);
    return { instance, modules: async () => readFile(moduleLog, 'utf8').catch(() => '') };
  };
  const stop = (instance: ServiceProcess) => instance.kill('SIGTERM');
  const submit = async (via: ServiceProcess, headers: Record<string, string>, webhookUrl: string) => {
    const response = await via.request('/api/v1/tasks', {
      method: 'POST',
      headers,
      json: {
        description: 'Leave a note',
        repository: { path: repo.path },
        agents: [1, 2].map(() => ({ agent: 'command', command: [process.execPath, slowAgent, 'note.txt', '2'] })),
        setup: { command: ['true'] },
        verify: { command: ['test', '-f', 'note.txt'] },
        callbacks: [{ url: webhookUrl, events: ['task.completed', 'merge.completed'] }],
      },
    });
    expect(response.status, await response.clone().text()).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const completed = (via: ServiceProcess, id: string) =>
    until('the task to end', async () => {
      const task = (await (await via.request(`/api/v1/tasks/${id}`)).json()) as Task;
      return ['completed', 'failed', 'cancelled'].includes(task.status) ? task : undefined;
    }, 90_000);
  const webhookOf = (type: string) => receiver.webhooks.find((hook) => (hook.body as { type?: string } | null)?.type === type);

  beforeAll(async () => {
    repo = await createTestRepo();
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    for (const instance of instances) await instance.kill('SIGKILL');
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
    await receiver?.close();
    await repo?.cleanup();
  });

  it('follows a task from the caller’s request through attempts on two instances, verify and the merge to its webhooks, as one trace', async () => {
    const traced = {
      DATABASE_URL: await createPostgresDatabase(),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      // One attempt at a time per instance: the two attempts run one on each.
      KAGE_ATTEMPT_CONCURRENCY: '1',
      KAGE_WORKER_CONCURRENCY: '1',
    };
    const alpha = await start('alpha', { ...traced, OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=alpha' });
    const beta = await start('beta', { ...traced, OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=beta' });
    // n8n (or any traced caller) sends its own span as the parent.
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const id = await submit(alpha.instance, { traceparent: `00-${callerTrace}-${callerSpan}-01` }, `${receiver.webhookUrl}/one`);
    const task = await completed(beta.instance, id);
    expect(task.status).toBe('completed');
    expect(new Set(task.agents.map((run) => run.worker))).toEqual(new Set(['alpha', 'beta']));
    // The merge is asked for later, from the other instance, by a request that sends no traceparent.
    const merge = await beta.instance.request(`/api/v1/tasks/${id}/merge`, { method: 'POST', json: { agent: 'best' } });
    expect(merge.status, await merge.clone().text()).toBe(200);
    await until('the merge’s webhook', async () => webhookOf('merge.completed'), 30_000);
    // Stopping sends what is still buffered.
    await Promise.all([stop(alpha.instance), stop(beta.instance)]);

    const all = receiver.spans;
    const ofTask = all.filter((span) => span.attributes['kage.task.id'] === id);
    expect(ofTask.length).toBeGreaterThan(8);
    expect(new Set(ofTask.map((span) => span.traceId))).toEqual(new Set([callerTrace]));
    const trace = all.filter((span) => span.traceId === callerTrace);
    const one = (name: string, where: (span: ReceivedSpan) => boolean = () => true) => {
      const found = trace.filter((span) => span.name === name && where(span));
      expect(found.map((span) => span.name), name).toHaveLength(1);
      return found[0]!;
    };
    const under = (span: ReceivedSpan, ancestor: ReceivedSpan) => ancestorsOf(span, trace).some((candidate) => candidate.spanId === ancestor.spanId);

    // The submitting request continues the caller's span, with the HTTP conventions' attributes.
    const request = one('POST /api/v1/tasks');
    expect(request).toMatchObject({ parentSpanId: callerSpan, kind: 'SPAN_KIND_SERVER' });
    expect(request.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/api/v1/tasks', 'http.response.status_code': 202 });
    expect(request.resource['service.instance.id']).toBe('alpha');
    const taskSpan = one('task');
    expect(taskSpan.parentSpanId).toBe(request.spanId);
    expect(taskSpan.attributes['db.system.name']).toBe('postgresql');

    // Each attempt, on its own instance, under the task (through the queue's send and process spans).
    const attempts = trace.filter((span) => span.name === 'attempt');
    expect(attempts).toHaveLength(2);
    expect(new Set(attempts.map((span) => span.resource['service.instance.id']))).toEqual(new Set(['alpha', 'beta']));
    expect(new Set(attempts.map((span) => span.resource['process.pid'])).size).toBe(2);
    for (const attempt of attempts) {
      const label = attempt.attributes['kage.attempt'];
      expect(under(attempt, taskSpan), `attempt ${String(label)} under the task`).toBe(true);
      expect(ancestorsOf(attempt, trace).map((span) => span.kind)).toContain('SPAN_KIND_CONSUMER');
      expect(attempt.attributes).toMatchObject({ 'gen_ai.agent.name': 'command', 'kage.worker': attempt.resource['service.instance.id'], 'kage.attempt.status': 'succeeded' });
      const child = (name: string) => one(name, (span) => span.attributes['kage.attempt'] === label);
      expect(child('setup').parentSpanId).toBe(attempt.spanId);
      const agent = child('invoke_agent command');
      expect(agent.parentSpanId).toBe(attempt.spanId);
      expect(agent.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'process.exit.code': 0 });
      const verify = child('verify');
      expect(verify.parentSpanId).toBe(attempt.spanId);
      expect(verify.attributes).toMatchObject({ 'kage.verify.passed': true, 'kage.verify.round': 1, 'process.exit.code': 0 });
      expect(verify.resource['service.instance.id']).toBe(attempt.resource['service.instance.id']);
    }

    // The merge joins the task's trace, and links to the request that asked for it (a trace of its own).
    const mergeSpan = one('merge');
    expect(mergeSpan.parentSpanId).toBe(taskSpan.spanId);
    expect(mergeSpan.attributes).toMatchObject({ 'kage.merge.status': 'merged' });
    expect(mergeSpan.resource['service.instance.id']).toBe('beta');
    const mergeRequest = all.find((span) => span.name === 'POST /api/v1/tasks/:id/merge');
    expect(mergeRequest?.traceId).not.toBe(callerTrace);
    expect(mergeSpan.links).toEqual([{ traceId: mergeRequest!.traceId, spanId: mergeRequest!.spanId }]);

    // Each delivery is a client span under the span that recorded its event, and carries its traceparent.
    const mergeHook = one('webhook merge.completed');
    expect(mergeHook).toMatchObject({ parentSpanId: mergeSpan.spanId, kind: 'SPAN_KIND_CLIENT' });
    expect(mergeHook.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 204 });
    expect(webhookOf('merge.completed')!.headers.traceparent).toBe(`00-${callerTrace}-${mergeHook.spanId}-01`);
    const endHook = one('webhook task.completed');
    expect(under(endHook, taskSpan)).toBe(true);
    expect(webhookOf('task.completed')!.headers.traceparent).toBe(`00-${callerTrace}-${endHook.spanId}-01`);

    // Nothing hangs loose: every span's parent is in the trace, but the caller's; none failed.
    const ids = new Set(trace.map((span) => span.spanId));
    expect(trace.filter((span) => span.parentSpanId !== callerSpan && !ids.has(span.parentSpanId)).map((span) => span.name)).toEqual([]);
    expect(trace.filter((span) => span.status.code === 'STATUS_CODE_ERROR').map((span) => `${span.name}: ${span.status.message}`)).toEqual([]);
    // The SDK was loaded where tracing is on.
    expect(await alpha.modules()).toMatch(/@opentelemetry\/sdk-node/);

    const picture = drawSpanTree(spanTrees(trace), { skip: (span) => /^(complete|fail) /.test(span.name) });
    if (process.env.KAGE_TRACE_PICTURE) await writeFile(process.env.KAGE_TRACE_PICTURE, `${picture}\n`);
  }, 180_000);

  it("puts the winner's push, run later from its queue, in the task's trace", async () => {
    let forge: Forge | undefined;
    try {
      forge = await startForge();
      const { instance } = await start('pusher', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
      await forge.storeCredential((path, init) => instance.request(path, init));
      const callerTrace = randomBytes(16).toString('hex');
      const submitted = await instance.request('/api/v1/tasks', {
        method: 'POST',
        headers: { traceparent: `00-${callerTrace}-${randomBytes(8).toString('hex')}-01` },
        json: {
          description: 'Leave a note',
          repository: { url: forge.url, credential: 'github-bot' },
          push: 'winner',
          agents: [{ agent: 'command', command: [process.execPath, slowAgent, 'note.txt', '1'] }],
          verify: { command: ['test', '-f', 'note.txt'] },
        },
      });
      expect(submitted.status, await submitted.clone().text()).toBe(202);
      const { id } = (await submitted.json()) as { id: string };
      await until('the push', async () => {
        const events = ((await (await instance.request(`/api/v1/tasks/${id}/events?limit=500`)).json()) as { items: { type: string; data: { status?: string } }[] }).items;
        return events.find((event) => event.type === 'push.completed');
      }, 60_000);
      await stop(instance);

      const trace = receiver.spans.filter((span) => span.traceId === callerTrace);
      const push = trace.filter((span) => span.name === 'winner_push');
      expect(push.map((span) => span.attributes['kage.task.id'])).toEqual([id]);
      const taskSpan = trace.find((span) => span.name === 'task')!;
      expect(push[0]!.parentSpanId).toBe(taskSpan.spanId);
      expect(push[0]!.status.code).not.toBe('STATUS_CODE_ERROR');
      const gitPush = trace.filter((span) => span.name === 'git push' && span.parentSpanId === push[0]!.spanId);
      expect(gitPush).toHaveLength(1);
    } finally {
      await forge?.stop();
    }
  }, 120_000);

  it('exports nothing and never loads the SDK without the OTLP variables, or with OTEL_SDK_DISABLED=true', async () => {
    const before = receiver.exports;
    const hooksBefore = receiver.webhooks.length;
    const plain = await start('plain', { OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined, OTEL_SDK_DISABLED: undefined });
    const disabled = await start('disabled', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' });
    for (const { instance } of [plain, disabled]) {
      const id = await submit(instance, { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` }, `${receiver.webhookUrl}/off`);
      expect((await completed(instance, id)).status).toBe('completed');
    }
    await until('both tasks’ webhooks', async () => (receiver.webhooks.length - hooksBefore >= 2 ? true : undefined), 30_000);
    await Promise.all([stop(plain.instance), stop(disabled.instance)]);
    expect(receiver.exports - before).toBe(0);
    for (const hook of receiver.webhooks.slice(hooksBefore)) expect(hook.headers.traceparent).toBeUndefined();
    for (const { modules } of [plain, disabled]) {
      const loaded = await modules();
      // The switch was asked, and said no: the SDK (and its exporters) never loaded.
      expect(loaded).toMatch(/service\/src\/tracing\/trace-switch\.ts/);
      expect(loaded).not.toMatch(/@opentelemetry\/(sdk-node|sdk-trace|exporter-)/);
    }
  }, 120_000);
});
