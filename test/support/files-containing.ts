import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir` (relative paths) whose bytes contain `needle`: where a secret must never be. */
export function filesContaining(dir: string, needle: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((entry) => {
    const path = join(dir, entry);
    return statSync(path).isFile() && readFileSync(path).includes(needle);
  });
}
