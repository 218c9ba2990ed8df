/**
 * Which network addresses webhooks may be sent to (the classes are `net-address.ts`'s).
 * Link-local and cloud metadata addresses never; loopback and private ranges only when the
 * service allows them (n8n on the same host or network). A host name is checked by every address
 * it resolves to, and the request connects only to those checked addresses (`pinnedLookup`), so
 * a name that answers differently a moment later (DNS rebinding) cannot slip past the check.
 */
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { classifyAddress, literalHostClass, normalHost } from '../net-address.ts';

export type PrivateTargets = 'allow' | 'deny';

/** Resolves a host name to every address it has now (`dns.lookup`, which reads /etc/hosts too). */
export type Resolver = (host: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => lookup(host, { all: true });

/** A target refused by the address policy; the request was not sent. */
export class RefusedAddressError extends Error {
  readonly code = 'ETARGETREFUSED';
}

function refusal(found: { kind: string; reason?: string }, privateTargets: PrivateTargets): string | undefined {
  if (found.kind === 'never') return found.reason;
  if (found.kind === 'private' && privateTargets === 'deny') return `${found.reason} (allowed with KAGE_WEBHOOK_PRIVATE_TARGETS=allow)`;
  return undefined;
}

/** Why `address` may not be a webhook target, or undefined when it may. */
export function refusedAddress(address: string, privateTargets: PrivateTargets): string | undefined {
  return refusal(classifyAddress(address), privateTargets);
}

/** What can be said of a URL's host without resolving it: a literal address, or a metadata name. */
export function refusedLiteralHost(hostname: string, privateTargets: PrivateTargets): string | undefined {
  const found = literalHostClass(hostname);
  return found && refusal(found, privateTargets);
}

/** Every address `hostname` resolves to, each allowed; throws RefusedAddressError naming the first that is not. */
export async function checkedAddresses(hostname: string, privateTargets: PrivateTargets, resolve: Resolver = systemResolver) {
  const host = normalHost(hostname);
  const addresses = await resolve(host);
  for (const { address } of addresses) {
    const reason = refusedAddress(address, privateTargets);
    if (reason) throw new RefusedAddressError(`${host} resolves to ${reason}`);
  }
  return addresses;
}

/**
 * A `lookup` for node:net that resolves once, checks every answer, and hands the socket only
 * those answers: the connection goes to an address that was checked. Literal addresses never
 * reach a lookup (node:net connects to them directly): check those with refusedLiteralHost first.
 */
export function pinnedLookup(privateTargets: PrivateTargets, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, privateTargets, resolve).then(
      (found) => {
        const wanted = found.filter(({ family }) => !options.family || family === options.family || options.family === `IPv${family}`);
        const [first] = wanted;
        if (!first) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
        } else if (options.all) {
          (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, wanted.map(({ address, family }) => ({ address, family })));
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
}
