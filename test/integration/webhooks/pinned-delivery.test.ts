/**
 * A webhook goes to the address that was checked. The host name here is resolved by a scripted
 * resolver (the one seam sendWebhook offers tests), which answers a different address on each call:
 * the DNS rebinding an attacker's name server would do between the check and the connection.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { makeTempDir } from '../../support/git-repo.ts';
import type { Resolver } from '../../../service/src/webhooks/webhook-address.ts';
import { sendWebhook } from '../../../service/src/webhooks/webhook-sender.ts';

const opened: Server[] = [];
afterEach(async () => {
  for (const server of opened.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server on `host` recording the Host header of each request it gets. */
async function receiver(host: string, port = 0) {
  const hosts: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    hosts.push((req.headers as IncomingHttpHeaders).host);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  opened.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { hosts, port: (server.address() as { port: number }).port };
}

/** Answers `answers[i]` to the i-th lookup (the last one from then on), counting the lookups. */
function rebinding(...answers: string[]): Resolver & { calls: number } {
  const resolver = Object.assign(
    async () => {
      const address = answers[Math.min(resolver.calls, answers.length - 1)]!;
      resolver.calls += 1;
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    },
    { calls: 0 },
  );
  return resolver;
}

const post = (url: string, resolve: Resolver) =>
  sendWebhook({ url, messageId: 'msg_1', body: '{"type":"task.started"}', secret: null }, new AbortController().signal, 5_000, 'allow', resolve);

describe('webhook delivery connects to the checked address', () => {
  it('does not go to a second, refused answer of the name (DNS rebinding)', async () => {
    // The checked answer is ::1; the rebound one, 0.0.0.0, reaches whatever listens on this host's
    // IPv4 port: a second receiver on 127.0.0.1 and the same port sees any request sent there.
    const checked = await receiver('::1');
    const rebound = await receiver('127.0.0.1', checked.port);
    const resolver = rebinding('::1', '0.0.0.0');
    const outcome = await post(`http://hooks.rebind.test:${checked.port}/hook`, resolver);
    expect(outcome).toMatchObject({ status: 204, error: null });
    expect(checked.hosts).toEqual([`hooks.rebind.test:${checked.port}`]);
    expect(rebound.hosts).toEqual([]);
    expect(resolver.calls).toBe(1);
  });

  it('sends nothing when the name answers a refused address first', async () => {
    const target = await receiver('127.0.0.1');
    const outcome = await post(`http://hooks.rebind.test:${target.port}/hook`, rebinding('0.0.0.0', '127.0.0.1'));
    expect(outcome).toMatchObject({ status: null, refused: true, error: expect.stringMatching(/^not sent: hooks\.rebind\.test resolves to 0\.0\.0\.0 is a link-local, metadata or reserved address/) });
    expect(target.hosts).toEqual([]);
  });

  it('names the host, not the address, in TLS (SNI)', async () => {
    const dir = await makeTempDir('kage-tls-');
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=hooks.rebind.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const names: string[] = [];
    const server = createTlsServer({
      key: readFileSync(join(dir, 'key.pem')),
      cert: readFileSync(join(dir, 'cert.pem')),
      SNICallback: (name, done) => {
        names.push(name);
        done(null);
      },
    });
    opened.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    // The certificate is self-signed, so the delivery fails; what matters is the name it asked for.
    const outcome = await post(`https://hooks.rebind.test:${port}/hook`, rebinding('127.0.0.1'));
    expect(outcome.status).toBeNull();
    expect(names).toEqual(['hooks.rebind.test']);
  });
});
