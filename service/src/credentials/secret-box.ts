/**
 * Encryption at rest for stored secrets: AES-256-GCM with a random 96-bit IV per value, so a
 * copied database (a backup, a dump in a ticket) holds no usable token without the key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateSecret } from '../data-dir-secret.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error(`the secret key must be 32 bytes, got ${key.length}`);
    this.key = key;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  open(sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

/** 32 bytes, base64 or 64 hex digits: the form KAGE_SECRET_KEY takes. */
export const SECRET_KEY_PATTERN = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/;

export function decodeSecretKey(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}

/**
 * KAGE_SECRET_KEY, or one generated on first start into `<dataDir>/secret-key`. Several
 * instances sharing one database must share the key: set KAGE_SECRET_KEY on each.
 */
export function loadSecretBox(configured: string | undefined, dataDir: string): SecretBox {
  const value = configured ?? loadOrCreateSecret(join(dataDir, 'secret-key'), () => randomBytes(32).toString('base64')).value;
  return new SecretBox(decodeSecretKey(value));
}
