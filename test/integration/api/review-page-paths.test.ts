/**
 * The review pages' addresses as people type them: a trailing slash (`/ui/`, `/ui/tasks/<id>/`)
 * goes to the page, never to the API's JSON 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { startTestService, type TestService } from '../../support/service-harness.ts';

describe.each(driverKinds)('review-page paths on %s', (kind) => {
  let service: TestService;
  const get = (path: string, method = 'GET') => service.services.app.request(path, { method });

  beforeAll(async () => {
    service = await startTestService({ kind, workers: 0 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('sends a path ending in a slash to the page without it, query kept', async () => {
    const id = '0b5c6a8e-1f2d-4c3b-9a8e-7d6c5b4a3f21';
    for (const [typed, page] of [
      ['/ui/', '/ui'],
      ['/ui//', '/ui'],
      ['/ui/?status=failed', '/ui?status=failed'],
      [`/ui/tasks/${id}/`, `/ui/tasks/${id}`],
      ['/ui/tasks/new/', '/ui/tasks/new'],
      ['/ui/login/', '/ui/login'],
    ]) {
      const response = await get(typed!);
      expect(response.status, typed).toBe(301);
      expect(response.headers.get('location'), typed).toBe(page);
    }
    expect((await get('/ui/', 'HEAD')).status).toBe(301);
  });

  it('leaves the pages themselves and the API alone', async () => {
    expect((await get('/ui')).status).toBe(303); // to the login form
    expect((await get('/api/v1/tasks/')).status).toBe(401);
  });
});
