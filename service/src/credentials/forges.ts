/** The forges whose pull-request APIs the service speaks, and where their APIs are by default. */
import { isLoopbackHost, literalHostClass } from '../net-address.ts';

export const forgeKinds = ['github', 'gitlab', 'gitea'] as const;
export type ForgeKind = (typeof forgeKinds)[number];

const wellKnownHosts: Record<string, ForgeKind> = {
  'github.com': 'github',
  'gitlab.com': 'gitlab',
  'gitea.com': 'gitea',
  'codeberg.org': 'gitea',
};

/** The forge of a well-known host; undefined for a self-hosted one (give `forge` then). */
export function detectForge(host: string): ForgeKind | undefined {
  return wellKnownHosts[host.toLowerCase()];
}

/** The API base URL of a forge on `host` when the credential names none. */
export function defaultApiUrl(forge: ForgeKind, host: string): string {
  if (forge === 'github') return host === 'github.com' ? 'https://api.github.com' : `https://${host}/api/v3`;
  if (forge === 'gitlab') return `https://${host}/api/v4`;
  return `https://${host}/api/v1`;
}

/**
 * Why the service may not send a forge token to `apiUrl`, or undefined when it may. As for
 * repository URLs (git/remote-url.ts): never a link-local, cloud metadata or reserved address
 * (the token, and the answer in an error, would go there); `http://` only to a loopback host.
 */
export function refusedApiUrl(apiUrl: string): string | undefined {
  const url = new URL(apiUrl);
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:' && !isLoopbackHost(host)) return 'http:// is allowed only to a loopback host; use https://';
  const found = literalHostClass(host);
  return found?.kind === 'never' ? `${found.reason}; a forge API may not be there` : undefined;
}
