/**
 * API keys made through the API. The secret is shown once, at creation, and kept only as its
 * SHA-256; a key is found by that hash, and is gone once deleted or past its expiry.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/db.ts';
import { NotFoundError } from '../refusal.ts';
import type { Principal, Scope } from './scopes.ts';
import { secretHash } from './secret-hash.ts';

export interface NewApiKey {
  name: string;
  scopes: readonly Scope[];
  repositoryRoots?: readonly string[] | undefined;
  allowedAgents?: readonly string[] | undefined;
  expiresAt?: Date | undefined;
}

export interface ApiKeyRecord extends Principal {
  expiresAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

interface ApiKeyRow {
  id: string;
  name: string;
  scopes: Scope[];
  repository_roots: string[] | null;
  allowed_agents: string[] | null;
  expires_at: Date | null;
  created_by: string;
  created_at: Date;
}

const columns = 'id, name, scopes, repository_roots, allowed_agents, expires_at, created_by, created_at';

/** A stable, non-secret id for a key (its hash prefix): what tasks, sessions and logs record. */
export function apiKeyId(secret: string): string {
  return secretHash(secret).slice(0, 16);
}

export class ApiKeyStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async create(key: NewApiKey, createdBy: string): Promise<{ record: ApiKeyRecord; secret: string }> {
    const secret = `kb_${randomBytes(24).toString('base64url')}`;
    const [row] = await this.db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, secret_hash, name, scopes, repository_roots, allowed_agents, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${columns}`,
      [apiKeyId(secret), secretHash(secret), key.name, [...key.scopes], key.repositoryRoots ? [...key.repositoryRoots] : null, key.allowedAgents ? [...key.allowedAgents] : null, key.expiresAt ?? null, createdBy],
    );
    return { record: recordOf(row!), secret };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys ORDER BY created_at`);
    return rows.map(recordOf);
  }

  async delete(id: string): Promise<void> {
    const rows = await this.db.query('DELETE FROM api_keys WHERE id = $1 RETURNING id', [id]);
    if (rows.length === 0) throw new NotFoundError('API key', id);
  }

  /** The live key with this secret, if any. */
  async bySecret(secret: string): Promise<ApiKeyRecord | undefined> {
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE secret_hash = $1 AND (expires_at IS NULL OR expires_at > now())`, [secretHash(secret)]);
    return rows[0] && recordOf(rows[0]);
  }

  /** The live key with this id (a session's), if any. */
  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE id = $1 AND (expires_at IS NULL OR expires_at > now())`, [id]);
    return rows[0] && recordOf(rows[0]);
  }
}

function recordOf(row: ApiKeyRow): ApiKeyRecord {
  return {
    keyId: row.id,
    name: row.name,
    scopes: row.scopes,
    repositoryRoots: row.repository_roots,
    allowedAgents: row.allowed_agents,
    expiresAt: row.expires_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
