import { join } from 'node:path';
import { loadOrCreateSecret } from '../data-dir-secret.ts';
import { generateWebhookSecret } from './webhook-secret.ts';

/**
 * The secret that signs callbacks registered without their own: KAGE_WEBHOOK_SECRET, or one
 * generated into `<dataDir>/webhook-secret`, so no callback ever goes out unsigned.
 */
export function loadWebhookSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  return loadOrCreateSecret(join(dataDir, 'webhook-secret'), generateWebhookSecret).value;
}
