import { createHash, timingSafeEqual } from 'node:crypto';

/** The SHA-256 (hex) by which a secret (API key, session token, metrics token) is kept and found. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether two secret hashes are equal, in constant time: neither a secret's content nor its length leaks. */
export function sameHash(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}
