/**
 * The instances list and the admin drain, in process on both databases: each instance's row
 * (name, started, draining, attempts running, heartbeat), POST /api/v1/admin/drain turning
 * readiness to 503 at once while liveness stays 200, both routes for admin keys only, and the
 * review pages' Instances view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

describe.each(driverKinds)('instances and the admin drain on %s', (kind) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ kind, workers: 1, env: { KAGE_WORKER_NAME: 'node-a' } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('lists this instance, drains on an admin request, and tells a load balancer at once', async () => {
    const listed = await (await service.request('/api/v1/instances')).json();
    expect(listed.self).toBe('node-a');
    expect(listed.items).toEqual([{ name: 'node-a', startedAt: expect.any(String), draining: false, attemptsRunning: 0, lastHeartbeatAt: expect.any(String) }]);
    expect((await service.request('/health/ready')).status).toBe(200);

    const reader = await (await service.request('/api/v1/keys', { method: 'POST', json: { name: 'reader', scopes: ['tasks:read', 'tasks:write', 'merge', 'webhooks'] } })).json();
    for (const [method, path] of [['POST', '/api/v1/admin/drain'], ['GET', '/api/v1/instances']] as const) {
      const refused = await service.request(path, { method, headers: { 'x-api-key': reader.secret } });
      expect(refused.status, path).toBe(403);
    }
    expect(service.services.draining).toBe(false);

    const drained = await service.request('/api/v1/admin/drain', { method: 'POST' });
    expect(drained.status).toBe(202);
    expect(await drained.json()).toEqual({ name: 'node-a', draining: true });
    const ready = await service.request('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect((await service.request('/health')).status).toBe(200);
    // Nothing ran here: the drain is over at once, and main would now stop the process.
    await service.services.drained;
    const after = await (await service.request('/api/v1/instances')).json();
    expect(after.items[0]).toMatchObject({ name: 'node-a', draining: true });
    // The API still answers while draining: requests the load balancer sent before it noticed.
    expect((await service.request('/api/v1/tasks')).status).toBe(200);
  });

  it('shows the instances on a review page', async () => {
    const login = await service.services.app.request('/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams({ key: TEST_API_KEY, next: '/ui/instances' }).toString(),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await service.services.app.request('/ui/instances', { headers: { cookie } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('id="instance-rows"');
    expect(text).toContain('/ui/assets/instances-page.js');
    expect(text).toContain('href="/ui/instances"');
    const script = await service.services.app.request('/ui/assets/instances-page.js');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("api('GET', '/instances')");
  });
});
