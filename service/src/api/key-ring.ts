import { createHash, timingSafeEqual } from 'node:crypto';
import { apiKeyId, type ApiKeyStore } from '../access/api-key-store.ts';
import { scopes, type Principal } from '../access/scopes.ts';

export { apiKeyId };

/**
 * Who a presented key (or a session's key id) is: one of API_KEYS, with every scope, or a live
 * key of the store. API_KEYS are compared as SHA-256 digests with timingSafeEqual, so neither
 * content nor length leaks through timing; stored keys are found by their hash.
 */
export class KeyRing {
  private readonly configured: readonly { principal: Principal; digest: Buffer }[];
  private readonly store: ApiKeyStore | undefined;

  constructor(configured: readonly string[], store?: ApiKeyStore) {
    this.configured = configured.map((key) => ({ principal: configuredPrincipal(apiKeyId(key)), digest: sha256(key) }));
    this.store = store;
  }

  async bySecret(presented: string): Promise<Principal | undefined> {
    const digest = sha256(presented);
    let match: Principal | undefined;
    for (const key of this.configured) if (timingSafeEqual(key.digest, digest)) match = key.principal;
    return match ?? (await this.store?.bySecret(presented));
  }

  async byId(id: string): Promise<Principal | undefined> {
    return this.configured.find((key) => key.principal.keyId === id)?.principal ?? (await this.store?.byId(id));
  }
}

function configuredPrincipal(keyId: string): Principal {
  return { keyId, name: 'API_KEYS', scopes: [...scopes], repositoryRoots: null, allowedAgents: null };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
