import { apiKeyId, type ApiKeyStore } from './api-key-store.ts';
import { scopes, type Principal } from './scopes.ts';
import { sameHash, secretHash } from './secret-hash.ts';

/**
 * Who a presented key (or a session's key id) is: one of API_KEYS, with every scope, or a live
 * key of the store. API_KEYS are compared by hash in constant time; stored keys are found by it.
 */
export class KeyRing {
  private readonly configured: readonly { principal: Principal; hash: string }[];
  private readonly store: ApiKeyStore | undefined;

  constructor(configured: readonly string[], store?: ApiKeyStore) {
    this.configured = configured.map((key) => ({ principal: configuredPrincipal(apiKeyId(key)), hash: secretHash(key) }));
    this.store = store;
  }

  async bySecret(presented: string): Promise<Principal | undefined> {
    const hash = secretHash(presented);
    let match: Principal | undefined;
    for (const key of this.configured) if (sameHash(key.hash, hash)) match = key.principal;
    return match ?? (await this.store?.bySecret(presented));
  }

  async byId(id: string): Promise<Principal | undefined> {
    return this.configured.find((key) => key.principal.keyId === id)?.principal ?? (await this.store?.byId(id));
  }
}

function configuredPrincipal(keyId: string): Principal {
  return { keyId, name: 'API_KEYS', scopes: [...scopes], repositoryRoots: null, allowedAgents: null };
}
