/**
 * No network call starts while a database transaction is open. A transaction holds rows (and, on
 * PGlite, the one connection every query shares) until it commits, so a push, fetch, pull
 * request or webhook made inside one stalls the service for as long as the remote takes. The
 * database is wrapped so that its transactions' work runs in an async context; git's network
 * commands, HTTP requests and fetch() are watched, and one started from inside that context
 * fails the test, naming where it came from.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import childProcess from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';
import { type Forge, startForge } from '../../support/forge-fixture.ts';
import { startTestService, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';
import { until } from '../../support/until.ts';
import { Receiver } from '../webhooks/webhook-fixtures.ts';

const insideTransaction = new AsyncLocalStorage<boolean>();
const NETWORK_GIT = new Set(['push', 'fetch', 'clone', 'ls-remote', 'pull']);
const violations: string[] = [];

function watched<F extends (...args: any[]) => any>(original: F, describeCall: (args: Parameters<F>) => string | undefined): F {
  return function (this: unknown, ...args: Parameters<F>) {
    const call = insideTransaction.getStore() ? describeCall(args) : undefined;
    if (call) violations.push(`${call}\n${new Error('started here').stack}`);
    return original.apply(this, args);
  } as F;
}

function gitNetworkCommand(args: unknown[]): string | undefined {
  const [file, argv] = args as [string, string[] | undefined];
  if (!/(^|\/)git$/.test(file) || !Array.isArray(argv)) return undefined;
  // Past the `-c key=value` and `-C dir` options: the subcommand.
  const rest = [...argv];
  while (rest[0]?.startsWith('-')) rest.splice(0, rest[0] === '-c' || rest[0] === '-C' ? 2 : 1);
  return NETWORK_GIT.has(rest[0] ?? '') ? `git ${rest[0]}` : undefined;
}

const originals = { spawn: childProcess.spawn, httpRequest: http.request, httpsRequest: https.request, fetch: globalThis.fetch };

function watchNetwork(): void {
  childProcess.spawn = watched(originals.spawn, (args) => gitNetworkCommand(args));
  http.request = watched(originals.httpRequest, (args) => `HTTP request ${String((args[0] as { host?: string }).host ?? args[0])}`);
  https.request = watched(originals.httpsRequest, (args) => `HTTPS request ${String((args[0] as { host?: string }).host ?? args[0])}`);
  globalThis.fetch = watched(originals.fetch, (args) => `fetch ${String(args[0])}`);
  // Modules that imported these by name (execa, the webhook sender) see the watched ones.
  syncBuiltinESMExports();
}

function unwatchNetwork(): void {
  childProcess.spawn = originals.spawn;
  http.request = originals.httpRequest;
  https.request = originals.httpsRequest;
  globalThis.fetch = originals.fetch;
  syncBuiltinESMExports();
}

/** The database, its transactions' work marked as inside one. */
function markingTransactions(db: Db): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'transaction') return <T>(work: Parameters<Db['transaction']>[0]) => target.transaction((tx) => insideTransaction.run(true, () => work(tx)) as Promise<T>);
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const writer = (file: string) => ({ agent: 'command', command: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, 'x\\n')`] });

describe.each(driverKinds)('no network call inside a database transaction (%s)', (kind) => {
  let forge: Forge;
  let receiver: Receiver;
  let service: TestService;

  beforeAll(async () => {
    forge = await startForge();
    receiver = await Receiver.start();
    service = await startTestService({ kind, workers: 2, db: markingTransactions(await openTestDb(kind)), env: { KAGE_PUBLIC_URL: 'https://kage.example.com' } });
    await forge.storeCredential((path, init) => service.request(path, init) as Promise<Response>);
    violations.length = 0;
    watchNetwork();
  });
  afterAll(async () => {
    unwatchNetwork();
    await service?.stop();
    await receiver?.close();
    await forge?.stop();
  });

  it('a URL task pushing its attempts and its winner, its webhooks, its pull request and a merge', async () => {
    const call = (path: string, json: unknown) => service.request(`/api/v1${path}`, { method: 'POST', json });
    const submit = async (push: string) => {
      const response = await call('/tasks', {
        description: `push ${push}`,
        repository: { url: forge.url, credential: 'github-bot' },
        push,
        agents: [writer(`${push}-1.txt`), writer(`${push}-2.txt`)],
        callbacks: [{ url: `http://127.0.0.1:${receiver.port}/hook` }],
      });
      expect(response.status, await response.clone().text()).toBe(202);
      return (await response.json()).id as string;
    };

    const winner = await submit('winner');
    expect((await waitForTaskEnd(service, winner, 60_000)).status).toBe('completed');
    await until('the winner to be pushed', async () => {
      const events = await (await service.request(`/api/v1/tasks/${winner}/events?limit=200`)).json();
      return events.items.some((event: { data: { message?: string } }) => /pushed/.test(event.data.message ?? ''));
    }, 60_000);
    const opened = await call(`/tasks/${winner}/pull-request`, { draft: true });
    expect(opened.status, await opened.clone().text()).toBeLessThan(300);

    const attempts = await submit('attempts');
    expect((await waitForTaskEnd(service, attempts, 60_000)).status).toBe('completed');
    const merged = await call(`/tasks/${attempts}/merge`, { agent: 'command-1' });
    expect(merged.status, await merged.clone().text()).toBe(200);
    await until('webhooks delivered', async () => receiver.received.filter((request) => /task\.completed/.test(request.body)).length >= 2, 60_000);

    expect(violations, violations.join('\n\n')).toEqual([]);
  }, 240_000);
});
