/**
 * Sessions of the review pages. A browser trades an API key for a random token once (login);
 * the token lives only in an HttpOnly cookie and is stored here as its SHA-256, with the id of
 * the key it stands for, so a key removed from the service ends its sessions too.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { secretHash } from './secret-hash.ts';

export const SESSION_HOURS = 12;

export interface BrowserSession {
  token: string;
  apiKeyId: string;
  expiresAt: Date;
}

export class BrowserSessions {
  private readonly db: Db;
  private readonly lifetimeMs: number;

  constructor(db: Db, options: { lifetimeHours?: number } = {}) {
    this.db = db;
    this.lifetimeMs = (options.lifetimeHours ?? SESSION_HOURS) * 3_600_000;
  }

  async open(apiKeyId: string): Promise<BrowserSession> {
    // Expired sessions go whenever someone logs in: no background job needed for a small table.
    await this.db.query('DELETE FROM browser_sessions WHERE expires_at < now()');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.lifetimeMs);
    await this.db.query('INSERT INTO browser_sessions (token_hash, api_key_id, expires_at) VALUES ($1, $2, $3)', [secretHash(token), apiKeyId, expiresAt]);
    return { token, apiKeyId, expiresAt };
  }

  /** The key id a live session stands for; undefined for an unknown or expired token. */
  async keyOf(token: string): Promise<string | undefined> {
    const rows = await this.db.query<{ api_key_id: string }>(
      'SELECT api_key_id FROM browser_sessions WHERE token_hash = $1 AND expires_at > now()',
      [secretHash(token)],
    );
    return rows[0]?.api_key_id;
  }

  async close(token: string): Promise<void> {
    await this.db.query('DELETE FROM browser_sessions WHERE token_hash = $1', [secretHash(token)]);
  }
}
