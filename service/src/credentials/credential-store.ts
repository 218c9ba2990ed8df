/**
 * Named git credentials: a host and either a token (with a user name, for git over HTTPS and
 * for the forge's API) or an SSH private key (for ssh:// and git@host: URLs), stored sealed by
 * the SecretBox. Nothing here returns a secret except `secretFor`, which only the service's own
 * git and forge calls use.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/db.ts';
import type { RemoteAuth } from '../git/remote-auth.ts';
import { NotFoundError, Refusal } from '../refusal.ts';
import { defaultApiUrl, detectForge, type ForgeKind, refusedApiUrl } from './forges.ts';
import type { SecretBox } from './secret-box.ts';

export type CredentialKind = 'token' | 'ssh_key';

export interface NewCredential {
  name: string;
  host: string;
  username: string;
  /** Exactly one of token and sshKey. */
  token?: string | undefined;
  sshKey?: string | undefined;
  forge?: ForgeKind | undefined;
  apiUrl?: string | undefined;
}

/** What anyone may see of a credential: never the token, only a fingerprint of it. */
export interface CredentialRecord {
  name: string;
  host: string;
  username: string;
  kind: CredentialKind;
  forge: ForgeKind | null;
  apiUrl: string | null;
  fingerprint: string;
  createdAt: Date;
}

export interface CredentialSecret {
  host: string;
  username: string;
  kind: CredentialKind;
  /** The token, or the SSH private key. */
  secret: string;
  forge: ForgeKind | null;
  apiUrl: string | null;
}

/** How git is given a credential's secret (remote-auth.ts). */
export function remoteAuthOf(secret: CredentialSecret): RemoteAuth {
  return secret.kind === 'ssh_key' ? { kind: 'ssh_key', privateKey: secret.secret } : { kind: 'token', username: secret.username, token: secret.secret };
}

interface CredentialRow {
  name: string;
  host: string;
  username: string;
  kind: CredentialKind;
  forge: ForgeKind | null;
  api_url: string | null;
  secret: string;
  fingerprint: string;
  created_at: Date | string;
}

export class CredentialStore {
  private readonly db: Db;
  private readonly box: SecretBox;

  constructor(db: Db, box: SecretBox) {
    this.db = db;
    this.box = box;
  }

  async create(input: NewCredential): Promise<CredentialRecord> {
    const host = input.host.toLowerCase();
    const forge = input.forge ?? detectForge(host) ?? null;
    const apiUrl = input.apiUrl ?? (forge ? defaultApiUrl(forge, host) : null);
    const refused = apiUrl === null ? undefined : refusedApiUrl(apiUrl);
    if (refused) throw new Refusal('invalid', 'api_url_not_allowed', `apiUrl ${apiUrl}: ${refused}`, { field: input.apiUrl ? 'apiUrl' : 'host' });
    const kind: CredentialKind = input.sshKey !== undefined ? 'ssh_key' : 'token';
    const secret = input.sshKey ?? input.token ?? '';
    const [row] = await this.db.query<CredentialRow>(
      `INSERT INTO git_credentials (name, host, username, kind, forge, api_url, secret, fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING RETURNING *`,
      [input.name, host, input.username, kind, forge, apiUrl, this.box.seal(secret), fingerprint(secret)],
    );
    if (!row) {
      throw new Refusal('conflict', 'credential_exists', `A git credential named ${input.name} exists; delete it first to replace it`, { name: input.name });
    }
    return toRecord(row);
  }

  async list(): Promise<CredentialRecord[]> {
    const rows = await this.db.query<CredentialRow>('SELECT * FROM git_credentials ORDER BY name');
    return rows.map(toRecord);
  }

  async get(name: string): Promise<CredentialRecord> {
    return toRecord(await this.row(name));
  }

  async delete(name: string): Promise<void> {
    const rows = await this.db.query('DELETE FROM git_credentials WHERE name = $1 RETURNING name', [name]);
    if (rows.length === 0) throw new NotFoundError('Git credential', name);
  }

  /** The token, for the service's own git and forge requests only. */
  async secretFor(name: string): Promise<CredentialSecret> {
    const row = await this.row(name);
    return { host: row.host, username: row.username, kind: row.kind, secret: this.box.open(row.secret), forge: row.forge, apiUrl: row.api_url };
  }

  private async row(name: string): Promise<CredentialRow> {
    const [row] = await this.db.query<CredentialRow>('SELECT * FROM git_credentials WHERE name = $1', [name]);
    if (!row) throw new NotFoundError('Git credential', name);
    return row;
  }
}

/** Enough to tell two secrets apart, nothing to recover one from. */
function fingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

function toRecord(row: CredentialRow): CredentialRecord {
  return {
    name: row.name,
    host: row.host,
    username: row.username,
    kind: row.kind,
    forge: row.forge,
    apiUrl: row.api_url,
    fingerprint: row.fingerprint,
    createdAt: new Date(row.created_at),
  };
}
