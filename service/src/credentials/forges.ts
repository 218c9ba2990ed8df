/** The forges whose pull-request APIs the service speaks, and where their APIs are by default. */
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
