/**
 * Which network addresses webhooks may be sent to. Link-local and cloud metadata addresses are
 * never allowed (a callback URL must not read the machine's cloud credentials); loopback and
 * private ranges only when the service allows them (n8n on the same host or network).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export type PrivateTargets = 'allow' | 'deny';

const never = new BlockList();
never.addSubnet('0.0.0.0', 8, 'ipv4');
never.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, 169.254.169.254 metadata
never.addSubnet('224.0.0.0', 3, 'ipv4'); // multicast and reserved
never.addAddress('::', 'ipv6');
never.addSubnet('fe80::', 10, 'ipv6');
never.addSubnet('ff00::', 8, 'ipv6');
never.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

const privateOrLoopback = new BlockList();
privateOrLoopback.addSubnet('127.0.0.0', 8, 'ipv4');
privateOrLoopback.addSubnet('10.0.0.0', 8, 'ipv4');
privateOrLoopback.addSubnet('172.16.0.0', 12, 'ipv4');
privateOrLoopback.addSubnet('192.168.0.0', 16, 'ipv4');
privateOrLoopback.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
privateOrLoopback.addAddress('::1', 'ipv6');
privateOrLoopback.addSubnet('fc00::', 7, 'ipv6');


/** Why `address` may not be a webhook target, or undefined when it may. */
export function refusedAddress(address: string, privateTargets: PrivateTargets): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (never.check(ip, family)) return `${address} is a link-local, metadata or reserved address`;
  if (privateTargets === 'deny' && privateOrLoopback.check(ip, family)) {
    return `${address} is a loopback or private address (allowed with KAGE_WEBHOOK_PRIVATE_TARGETS=allow)`;
  }
  return undefined;
}

const metadataHosts = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

/** What can be said of a URL's host without resolving it: a literal address, or a metadata name. */
export function refusedLiteralHost(hostname: string, privateTargets: PrivateTargets): string | undefined {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (metadataHosts.has(host)) return `${host} is a cloud metadata host`;
  return isIP(host) ? refusedAddress(host, privateTargets) : undefined;
}

/** Checks a URL's host: a literal address at once, a name by every address it resolves to. */
export async function refusedHost(hostname: string, privateTargets: PrivateTargets): Promise<string | undefined> {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const literal = refusedLiteralHost(host, privateTargets);
  if (literal || isIP(host)) return literal;
  const addresses = await lookup(host, { all: true }).catch(() => []);
  for (const { address } of addresses) {
    const reason = refusedAddress(address, privateTargets);
    if (reason) return `${host} resolves to ${reason}`;
  }
  return undefined;
}
