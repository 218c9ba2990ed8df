import { createHash, timingSafeEqual } from 'node:crypto';

/** A stable, non-secret id for a key (its hash prefix): what tasks, sessions and logs record. */
export function apiKeyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The keys the service accepts. Keys are compared as SHA-256 digests with timingSafeEqual, so
 * neither content nor length leaks through timing.
 */
export class KeyRing {
  private readonly keys: readonly { id: string; digest: Buffer }[];

  constructor(keys: readonly string[]) {
    this.keys = keys.map((key) => ({ id: apiKeyId(key), digest: sha256(key) }));
  }

  /** The id of the presented key, or undefined when it is not one of ours. */
  idOf(presented: string): string | undefined {
    const digest = sha256(presented);
    let match: string | undefined;
    for (const key of this.keys) if (timingSafeEqual(key.digest, digest)) match = key.id;
    return match;
  }

  has(id: string): boolean {
    return this.keys.some((key) => key.id === id);
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
