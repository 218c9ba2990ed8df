/**
 * Where `kage` finds the service: KAGE_URL and KAGE_API_KEY, else the config file
 * ($XDG_CONFIG_HOME/kage/config.json, default ~/.config/kage/config.json: {"url": …, "apiKey": …}).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const ConfigFile = z.strictObject({ url: z.url({ protocol: /^https?$/ }).optional(), apiKey: z.string().min(1).optional() });

export class SettingsError extends Error {}

export function configPath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'kage', 'config.json');
}

export function kageSettings(env: NodeJS.ProcessEnv): { url: string; apiKey: string } {
  const path = configPath(env);
  let file: z.infer<typeof ConfigFile> = {};
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // No config file: the environment alone.
  }
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SettingsError(`${path} is not JSON`);
    }
    const checked = ConfigFile.safeParse(parsed);
    if (!checked.success) throw new SettingsError(`${path}: ${z.prettifyError(checked.error)}`);
    file = checked.data;
  }
  const apiKey = env.KAGE_API_KEY || file.apiKey;
  if (!apiKey) throw new SettingsError(`kage needs KAGE_API_KEY, or "apiKey" in ${path} (and KAGE_URL or "url", default http://127.0.0.1:8000)`);
  return { url: (env.KAGE_URL || file.url || 'http://127.0.0.1:8000').replace(/\/+$/, ''), apiKey };
}
