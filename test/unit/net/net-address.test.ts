import { describe, expect, it } from 'vitest';
import { classifyAddress, ipv6Bytes, literalHostClass, normalHost } from '../../../service/src/net-address.ts';

describe('address classes', () => {
  it('reads IPv6 addresses into bytes, embedded dotted quads and zones included', () => {
    expect(ipv6Bytes('::1')).toEqual([...new Array(15).fill(0), 1]);
    expect(ipv6Bytes('::ffff:169.254.169.254')).toEqual([...new Array(10).fill(0), 0xff, 0xff, 169, 254, 169, 254]);
    expect(ipv6Bytes('64:ff9b::a9fe:a9fe')).toEqual([0, 0x64, 0xff, 0x9b, ...new Array(8).fill(0), 169, 254, 169, 254]);
    expect(ipv6Bytes('fe80::1%eth0')?.slice(0, 2)).toEqual([0xfe, 0x80]);
    expect(ipv6Bytes('1:2:3:4:5:6:7:8')).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(ipv6Bytes('169.254.169.254')).toBeUndefined();
  });

  it.each([
    ['169.254.169.254', /link-local, metadata or reserved/],
    ['0.0.0.0', /reserved/],
    ['100.100.100.200', /Alibaba/],
    ['168.63.129.16', /Azure/],
    ['224.0.0.1', /reserved/],
    ['::', /reserved/],
    ['fe80::1', /link-local/],
    ['fd00:ec2::254', /AWS/],
    ['fd20:ce::254', /Google/],
    ['::ffff:169.254.169.254', /IPv4-mapped for 169\.254\.169\.254/],
    ['::a9fe:a9fe', /IPv4-compatible for 169\.254\.169\.254/],
    ['::169.254.169.254', /IPv4-compatible/],
    ['64:ff9b::a9fe:a9fe', /NAT64 for 169\.254\.169\.254/],
    ['64:ff9b:1::a9fe:a9fe', /NAT64 for 169\.254\.169\.254/],
    ['2002:a9fe:a9fe::1', /6to4 for 169\.254\.169\.254/],
    ['::ffff:0:a9fe:a9fe', /IPv4-translated for 169\.254\.169\.254/],
    ['64:ff9b::6464:64c8', /NAT64 for 100\.100\.100\.200.*Alibaba/],
    ['2001:0:a9fe:a9fe::1', /Teredo server for 169\.254\.169\.254/],
    ['2001:0:4136:e378:8000:63bf:5601:5601', /Teredo client for 169\.254\.169\.254/],
  ])('never: %s', (address, reason) => {
    const found = classifyAddress(address);
    expect(found.kind).toBe('never');
    expect(found.reason).toMatch(reason);
  });

  it.each(['127.0.0.1', '10.1.2.3', '172.31.0.1', '192.168.0.1', '100.64.0.1', '::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:0:7f00:1', '64:ff9b::a00:1', '2002:c0a8:1::1', '::7f00:1', '100.100.100.199'])(
    'private: %s',
    (address) => expect(classifyAddress(address).kind).toBe('private'),
  );

  it.each(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '64:ff9b::5db8:d822', '2002:5db8:d822::1', '100.128.0.1'])('public: %s', (address) =>
    expect(classifyAddress(address)).toEqual({ kind: 'public' }),
  );

  it('judges a host as written in a URL: brackets, case and trailing dots do not matter; other names need resolving', () => {
    expect(normalHost('Metadata.Google.Internal.')).toBe('metadata.google.internal');
    expect(literalHostClass('metadata.google.internal.')?.kind).toBe('never');
    expect(literalHostClass('METADATA')?.kind).toBe('never');
    expect(literalHostClass('[::a9fe:a9fe]')?.kind).toBe('never');
    expect(literalHostClass('[::1]')?.kind).toBe('private');
    expect(literalHostClass('n8n.example.com.')).toBeUndefined();
  });
});
