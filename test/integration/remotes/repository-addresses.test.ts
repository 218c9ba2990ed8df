/**
 * A task's repository URL may not send the service's git to a link-local or cloud metadata
 * address, the same rule webhooks follow; loopback stays allowed (a git server on this host).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.ts';
import { startTestService, type TestService } from '../../support/service-harness.ts';

// Were the check ever lost, the git this test provokes goes to a dead proxy on loopback and
// ssh to `false`, never to the addresses below.
const deadEnds = { https_proxy: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', ALL_PROXY: 'http://127.0.0.1:9', no_proxy: '', NO_PROXY: '', GIT_SSH_COMMAND: 'false' };

describe('repository URL addresses through the API', () => {
  let service: TestService;
  const saved: Record<string, string | undefined> = {};
  const submit = async (url: string) => {
    const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'x', repository: { url }, agents: [{ agent: 'claude' }] } });
    return { status: response.status, error: (await response.json()).error as { code: string; message: string } | undefined };
  };

  beforeAll(async () => {
    for (const [name, value] of Object.entries(deadEnds)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    service = await startTestService({ kind: 'pglite', workers: 0 });
  });
  afterAll(async () => {
    await service?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it.each(['https://169.254.169.254/x.git', 'https://[::ffff:a9fe:a9fe]/x.git', 'ssh://git@2852039166/org/x.git', 'git@169.254.169.254:org/x.git', 'https://metadata.google.internal./x.git', 'https://100.100.100.200/x.git'])(
    'answers 400 for %s before any git command runs',
    async (url) => {
      const started = Date.now();
      const { status, error } = await submit(url);
      expect(status).toBe(400);
      expect(error).toMatchObject({ code: 'repository_url_not_allowed', message: expect.stringContaining('a repository URL may not point there') });
      expect(Date.now() - started).toBeLessThan(2_000);
    },
  );

  it('lets a loopback URL through to git (which finds nothing there)', async () => {
    const { error } = await submit(`http://127.0.0.1:${await freePort()}/x.git`);
    expect(error?.code).toBe('repository_unreachable');
  });
});
