/**
 * The user's package registries and mirrors in an attempt's private HOME: without them `pip
 * install` inside the sandbox goes to the public index (and fails after its timeouts where the
 * machine reaches only a mirror). Each settings file is copied in with its credentials taken out:
 * lines that carry a token or password are dropped, and `user:password@` leaves every URL. A
 * registry that needs a credential gets it only when the operator passes one on purpose
 * (`KAGE_AGENT_ENV=PIP_INDEX_URL`, say): agents run model-written commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Settings files, relative to HOME, of pip, npm/pnpm, Yarn, uv, cargo and go. */
const registryFiles = ['.config/pip/pip.conf', '.pip/pip.conf', '.npmrc', '.yarnrc.yml', '.config/uv/uv.toml', '.cargo/config.toml', '.cargo/config', '.config/go/env'];

/** A line that holds a credential, in any of those formats (`_authToken=`, `npmAuthToken:`, `token =`, `password`). */
const credentialLine = /(_auth|authtoken|_password|password|passwd|token|secret|credential|username|email|certfile|keyfile|npmAuthIdent)\s*[=:]/i;

/** The file without its credentials. */
export function withoutCredentials(text: string): string {
  return text
    .split('\n')
    .filter((line) => !credentialLine.test(line))
    .map((line) => line.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1'))
    .join('\n');
}

/** The user's registry settings as an attempt's HOME gets them: HOME-relative path → text. */
export function registrySettings(home: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const file of registryFiles) {
    let text: string;
    try {
      text = readFileSync(join(home, file), 'utf8');
    } catch {
      continue;
    }
    settings.set(file, withoutCredentials(text));
  }
  return settings;
}
