/**
 * HTTPS served by the service process itself, with certificates this test makes with openssl:
 * Strict-Transport-Security on its answers, a renewed certificate picked up on SIGHUP, and the
 * refusal to serve plain HTTP beyond loopback (checked before anything listens).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainHttpRefusal } from '../../service/src/api/listen-security.ts';
import { freePort } from '../support/free-port.ts';
import { makeTempDir } from '../support/git-repo.ts';
import { TEST_API_KEY } from '../support/service-harness.ts';
import { until } from '../support/until.ts';

const mainPath = fileURLToPath(new URL('../../service/src/main.ts', import.meta.url));
const run = promisify(execFile);

/** A self-signed certificate for 127.0.0.1 named `name`, written over `dir`/cert.pem and key.pem. */
async function makeCertificate(dir: string, name: string): Promise<{ cert: string; key: string; pem: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1']);
  return { cert, key, pem: readFileSync(cert, 'utf8') };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  peer: string;
}

/** One GET on a fresh TLS connection that trusts only `ca`; resolves the peer certificate's CN. */
function getOverTls(port: number, path: string, ca: string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, ca, agent: false, headers: { 'x-api-key': TEST_API_KEY } }, (response) => {
      const peer = String((response.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN);
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, peer }));
    });
    request.on('error', reject);
  });
}

function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mainPath], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('HTTPS from the service process', () => {
  let folder: string;
  let first: { cert: string; key: string; pem: string };
  let child: ChildProcess;
  let output = '';
  let port: number;

  beforeAll(async () => {
    folder = await makeTempDir('kage-tls-');
    first = await makeCertificate(folder, 'kage-test-first');
    port = await freePort();
    child = spawn(process.execPath, [mainPath], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), API_KEYS: TEST_API_KEY, LOG_LEVEL: 'info', KAGE_DATA_DIR: join(folder, 'data'), KAGE_TLS_CERT: first.cert, KAGE_TLS_KEY: first.key, KAGE_SANDBOX: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    await until('the service to answer over HTTPS', async () => (child.exitCode === null ? getOverTls(port, '/health', [first.pem]) : Promise.reject(new Error(output))), 60_000);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(folder, { recursive: true, force: true });
  });

  it('serves the API over HTTPS with Strict-Transport-Security, and nothing in clear on that port', async () => {
    const health = await getOverTls(port, '/health', [first.pem]);
    expect(health.status).toBe(200);
    expect(health.peer).toBe('kage-test-first');
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await getOverTls(port, '/api/v1/tasks', [first.pem])).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(output).toContain(`https://127.0.0.1:${port}`);
  });

  it('picks up a renewed certificate on SIGHUP, and keeps the old one when the new files are broken', async () => {
    const second = await makeCertificate(folder, 'kage-test-second');
    child.kill('SIGHUP');
    await until('the renewed certificate', async () => ((await getOverTls(port, '/health', [first.pem, second.pem])).peer === 'kage-test-second' ? true : undefined), 10_000);
    // The log line may reach us a moment after the new certificate is served.
    await until('the reload to be logged', async () => (output.includes('TLS certificate reloaded') ? true : undefined), 10_000);

    await writeFile(second.key, 'broken\n');
    child.kill('SIGHUP');
    await until('the failed reload to be logged', async () => (output.includes('could not reload the TLS certificate') ? true : undefined), 10_000);
    const still = await getOverTls(port, '/health', [first.pem, second.pem]);
    expect(still).toMatchObject({ status: 200, peer: 'kage-test-second' });
    expect(child.exitCode).toBeNull();
  });
});

describe('plain HTTP beyond loopback', () => {
  it('refuses to start with one line saying why, before anything listens', async () => {
    const folder = await makeTempDir('kage-plain-');
    try {
      const result = await runToExit({ HOST: '0.0.0.0', PORT: String(await freePort()), API_KEYS: TEST_API_KEY, KAGE_DATA_DIR: join(folder, 'data') });
      expect(result.code).toBe(1);
      expect(result.output.trim().split('\n')).toEqual([expect.stringMatching(/^refusing to serve plain HTTP on 0\.0\.0\.0: API keys would cross the network in clear\. Set KAGE_TLS_CERT/)]);

      const missing = await runToExit({ HOST: '127.0.0.1', PORT: String(await freePort()), API_KEYS: TEST_API_KEY, KAGE_DATA_DIR: join(folder, 'data'), KAGE_TLS_CERT: join(folder, 'none.pem'), KAGE_TLS_KEY: join(folder, 'none.key') });
      expect(missing.code).toBe(1);
      expect(missing.output.trim()).toMatch(/^KAGE_TLS_CERT: cannot read .*none\.pem \(ENOENT\)$/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('allows loopback, TLS, a trusted proxy, or KAGE_ALLOW_PLAIN_HTTP', () => {
    const base = { tls: undefined, trustProxy: false, allowPlainHttp: false };
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) expect(plainHttpRefusal({ ...base, host }), host).toBeUndefined();
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'kage.internal']) expect(plainHttpRefusal({ ...base, host }), host).toMatch(/API keys would cross the network in clear/);
    expect(plainHttpRefusal({ ...base, host: '0.0.0.0', tls: { certPath: 'c', keyPath: 'k' } })).toBeUndefined();
    expect(plainHttpRefusal({ ...base, host: '0.0.0.0', trustProxy: true })).toBeUndefined();
    expect(plainHttpRefusal({ ...base, host: '0.0.0.0', allowPlainHttp: true })).toBeUndefined();
  });
});
