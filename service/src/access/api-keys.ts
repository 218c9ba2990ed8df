import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateSecret } from '../data-dir-secret.ts';

/**
 * The keys the API accepts: API_KEYS when configured; otherwise one generated on first start
 * into `<dataDir>/api-key`. `generated` is set only that first time, when the caller prints it once.
 */
export function loadApiKeys(configured: readonly string[], dataDir: string): { keys: string[]; generated: string | undefined } {
  if (configured.length > 0) return { keys: [...configured], generated: undefined };
  const key = loadOrCreateSecret(join(dataDir, 'api-key'), () => `kb_${randomBytes(24).toString('base64url')}`);
  return { keys: [key.value], generated: key.created ? key.value : undefined };
}
