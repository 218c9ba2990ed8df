import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Secrets the service generates on first start when none is configured, kept in the data dir
 * (mode 600) so restarts and other tools see the same value.
 */
function loadOrCreateSecret(file: string, create: () => string): { value: string; created: boolean } {
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), created: false };
  mkdirSync(dirname(file), { recursive: true });
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { value, created: true };
}

/**
 * The keys the API accepts: API_KEYS when configured; otherwise one generated on first start
 * into `<dataDir>/api-key`. `generated` is set only that first time, when the caller prints it once.
 */
export function loadApiKeys(configured: readonly string[], dataDir: string): { keys: string[]; generated: string | undefined } {
  if (configured.length > 0) return { keys: [...configured], generated: undefined };
  const key = loadOrCreateSecret(join(dataDir, 'api-key'), () => `kb_${randomBytes(24).toString('base64url')}`);
  return { keys: [key.value], generated: key.created ? key.value : undefined };
}

/**
 * The secret that signs callbacks registered without their own: KAGE_WEBHOOK_SECRET, or one
 * generated into `<dataDir>/webhook-secret`, so no callback ever goes out unsigned.
 */
export function loadWebhookSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  return loadOrCreateSecret(join(dataDir, 'webhook-secret'), () => `whsec_${randomBytes(32).toString('base64')}`).value;
}
