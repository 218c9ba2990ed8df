/**
 * Which network addresses the service may be made to connect to, for webhooks and repository
 * URLs alike. Link-local, cloud metadata and reserved addresses never (a URL must not read the
 * machine's cloud credentials); loopback and private ranges depend on the caller. IPv6 forms
 * that carry an IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo) are judged by
 * that IPv4 address too, since a host or gateway may deliver them to it.
 */
import { isIP } from 'node:net';

export type AddressClass = 'public' | 'private' | 'never';

interface Range {
  bytes: number[];
  bits: number;
  note?: string;
}

const v4 = (text: string, bits: number, note?: string): Range => ({ bytes: text.split('.').map(Number), bits, ...(note ? { note } : {}) });
const v6 = (text: string, bits: number, note?: string): Range => ({ bytes: ipv6Bytes(text)!, bits, ...(note ? { note } : {}) });

const neverV4: Range[] = [
  v4('0.0.0.0', 8), // "this network": 0.0.0.0 reaches the local host
  v4('169.254.0.0', 16), // link-local, 169.254.169.254 metadata (AWS, GCP, Azure, OCI…)
  v4('224.0.0.0', 3), // multicast, reserved and broadcast
  v4('100.100.100.200', 32, "Alibaba Cloud's metadata address"),
  v4('168.63.129.16', 32, "Azure's host service (WireServer)"),
];
const privateV4: Range[] = [v4('127.0.0.0', 8), v4('10.0.0.0', 8), v4('172.16.0.0', 12), v4('192.168.0.0', 16), v4('100.64.0.0', 10)];
const neverV6: Range[] = [
  v6('::', 128),
  v6('fe80::', 10),
  v6('ff00::', 8),
  v6('fd00:ec2::254', 128, "AWS's IPv6 metadata address"),
  v6('fd20:ce::254', 128, "Google Cloud's IPv6 metadata address"),
];
const privateV6: Range[] = [v6('::1', 128), v6('fc00::', 7), v6('fec0::', 10)];
const nat64 = v6('64:ff9b::', 96);
const nat64Local = v6('64:ff9b:1::', 48);
const teredo = v6('2001::', 32);

/** Host names (as URL parsing gives them) that reach this machine: the only ones plain http:// may carry a token to. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** Names of cloud metadata services, compared without a trailing dot. */
const metadataHosts = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

function inRange(bytes: readonly number[], range: Range): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const width = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (range.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address (a zone `%eth0` ignored), or undefined when it is not one. */
export function ipv6Bytes(text: string): number[] | undefined {
  const address = text.replace(/%.*$/, '');
  if (isIP(address) !== 6) return undefined;
  let head = address;
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    head = address.slice(0, -dotted[1]!.length);
    if (!head.endsWith('::')) head = head.slice(0, -1);
    const quad = dotted[1]!.split('.').map(Number);
    tail.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const before = groups(left);
  const after = [...groups(right), ...tail];
  const words = right === undefined ? [...before, ...after] : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/** The IPv4 addresses an IPv6 address carries, with the name of the form. */
function embeddedIPv4(bytes: readonly number[]): { ipv4: number[]; form: string }[] {
  const zero = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  const last = bytes.slice(12, 16);
  const found: { ipv4: number[]; form: string }[] = [];
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) found.push({ ipv4: last, form: 'IPv4-mapped' });
  if (zero(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(10, 12)) found.push({ ipv4: last, form: 'IPv4-translated' });
  // ::/96 less :: and ::1 themselves (judged as IPv6 above).
  if (zero(0, 12) && !(zero(12, 15) && bytes[15]! <= 1)) found.push({ ipv4: last, form: 'IPv4-compatible' });
  // The NAT64 well-known prefix 64:ff9b::/96, and the local-use 64:ff9b:1::/48 (its /96s).
  if (inRange(bytes, nat64) || inRange(bytes, nat64Local)) found.push({ ipv4: last, form: 'NAT64' });
  if (bytes[0] === 0x20 && bytes[1] === 0x02) found.push({ ipv4: bytes.slice(2, 6), form: '6to4' });
  if (inRange(bytes, teredo)) {
    found.push({ ipv4: bytes.slice(4, 8), form: 'Teredo server' }, { ipv4: last.map((byte) => byte ^ 0xff), form: 'Teredo client' });
  }
  return found;
}

function classOf4(bytes: readonly number[]): { kind: AddressClass; note?: string | undefined } {
  const never = neverV4.find((range) => inRange(bytes, range));
  if (never) return { kind: 'never', note: never.note };
  return { kind: privateV4.some((range) => inRange(bytes, range)) ? 'private' : 'public' };
}

const neverText = 'a link-local, metadata or reserved address';
const privateText = 'a loopback or private address';

/**
 * What an IP address is, with the words that say why when it is not public. Anything that is not
 * an IP address at all counts as `never` (the callers connect only to addresses).
 */
export function classifyAddress(address: string): { kind: AddressClass; reason?: string } {
  const four = isIP(address) === 4 ? address.split('.').map(Number) : undefined;
  if (four) {
    const found = classOf4(four);
    if (found.kind === 'public') return { kind: 'public' };
    const what = found.kind === 'never' ? (found.note ? `${neverText} (${found.note})` : neverText) : privateText;
    return { kind: found.kind, reason: `${address} is ${what}` };
  }
  const bytes = ipv6Bytes(address);
  if (!bytes) return { kind: 'never', reason: `${address} is not an IP address` };
  const never = neverV6.find((range) => inRange(bytes, range));
  if (never) return { kind: 'never', reason: `${address} is ${never.note ? `${neverText} (${never.note})` : neverText}` };
  let result: { kind: AddressClass; reason?: string } = privateV6.some((range) => inRange(bytes, range))
    ? { kind: 'private', reason: `${address} is ${privateText}` }
    : { kind: 'public' };
  for (const { ipv4, form } of embeddedIPv4(bytes)) {
    const inner = classOf4(ipv4);
    const said = `${address} is ${form} for ${ipv4.join('.')}`;
    if (inner.kind === 'never') return { kind: 'never', reason: `${said}, ${inner.note ? `${neverText} (${inner.note})` : neverText}` };
    if (inner.kind === 'private' && result.kind === 'public') result = { kind: 'private', reason: `${said}, ${privateText}` };
  }
  return result;
}

/** A URL's host as compared here: lower case, without IPv6 brackets or trailing dots. */
export function normalHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
}

/**
 * What can be said of a host without resolving it: a cloud metadata name, or a literal address
 * and its class. Undefined for any other name (checked by what it resolves to, where the caller can).
 */
export function literalHostClass(hostname: string): { kind: AddressClass; reason?: string } | undefined {
  const host = normalHost(hostname);
  if (metadataHosts.has(host)) return { kind: 'never', reason: `${host} is a cloud metadata host` };
  return isIP(host) ? classifyAddress(host) : undefined;
}
