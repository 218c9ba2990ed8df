/**
 * HTTPS served by the service itself (KAGE_TLS_CERT / KAGE_TLS_KEY, reloaded on SIGHUP), and the
 * refusal to listen in clear text where API keys would cross a network.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Reads the certificate chain and key (PEM) and checks they make a pair; a problem stops start-up (or a reload) with one line. */
export function readTlsFiles(tls: { certPath: string; keyPath: string }): TlsFiles {
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TlsError(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  const files = { cert: read('KAGE_TLS_CERT', tls.certPath), key: read('KAGE_TLS_KEY', tls.keyPath) };
  try {
    // Checked here, so a broken pair (not PEM, or a key that is not the certificate's) is one clear line.
    createSecureContext(files);
  } catch (error) {
    throw new TlsError(`KAGE_TLS_CERT / KAGE_TLS_KEY: ${tls.certPath} and ${tls.keyPath} are not a usable certificate and key (${(error as Error).message})`);
  }
  return files;
}

/** A TLS setting that cannot be used; its message is the one line start-up prints. */
export class TlsError extends Error {}

/** Addresses only this machine reaches: a key sent to them never crosses a network. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/**
 * Why the service must not start in clear text, or undefined when it may: listening beyond
 * loopback with neither TLS nor a trusted TLS-terminating proxy sends every API key in clear.
 */
export function plainHttpRefusal(config: { host: string; tls: unknown; trustProxy: boolean; allowPlainHttp: boolean }): string | undefined {
  if (isLoopbackHost(config.host) || config.tls || config.trustProxy || config.allowPlainHttp) return undefined;
  return (
    `refusing to serve plain HTTP on ${config.host}: API keys would cross the network in clear. ` +
    'Set KAGE_TLS_CERT and KAGE_TLS_KEY, or KAGE_TRUST_PROXY=true behind a proxy that terminates TLS, or KAGE_ALLOW_PLAIN_HTTP=1 to accept it'
  );
}
