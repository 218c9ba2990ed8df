import { describe, expect, it } from 'vitest';
import { AuthFailures } from '../../../service/src/api/middleware/rate-limit.ts';

describe('failed authentications per address', () => {
  it('locks an address out at the limit until its window ends, then lets it try again', () => {
    let now = 1_000_000;
    const failures = new AuthFailures(3, () => now);
    for (let i = 0; i < 3; i += 1) {
      expect(failures.lockedFor('203.0.113.7')).toBeUndefined();
      failures.failed('203.0.113.7');
    }
    expect(failures.lockedFor('203.0.113.7')).toBe(60);
    expect(() => failures.check('203.0.113.7')).toThrow(/Too many failed authentications from this address; try again in 60 s/);
    expect(failures.lockedFor('203.0.113.8')).toBeUndefined();
    now += 59_500;
    expect(failures.lockedFor('203.0.113.7')).toBe(1);
    now += 500;
    expect(failures.lockedFor('203.0.113.7')).toBeUndefined();
    failures.failed('203.0.113.7');
    expect(failures.lockedFor('203.0.113.7')).toBeUndefined();
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped one as its IPv4 address', () => {
    const failures = new AuthFailures(2);
    failures.failed('2001:db8:1:2::1');
    failures.failed('2001:db8:1:2:ffff::9');
    expect(failures.lockedFor('2001:db8:1:2::77')).toBeGreaterThan(0);
    expect(failures.lockedFor('2001:db8:1:3::1')).toBeUndefined();
    failures.failed('::ffff:198.51.100.4');
    failures.failed('198.51.100.4');
    expect(failures.lockedFor('198.51.100.4')).toBeGreaterThan(0);
  });
});
