import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The keys the API accepts: API_KEYS when configured; otherwise one generated on first start,
 * kept in `<dataDir>/api-key` (mode 600). `generated` is true only the first time, when the
 * caller prints it once.
 */
export function loadApiKeys(configured: readonly string[], dataDir: string): { keys: string[]; generated: string | undefined } {
  if (configured.length > 0) return { keys: [...configured], generated: undefined };
  const file = join(dataDir, 'api-key');
  if (existsSync(file)) return { keys: [readFileSync(file, 'utf8').trim()], generated: undefined };
  mkdirSync(dataDir, { recursive: true });
  const key = `kb_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { keys: [key], generated: key };
}
