/**
 * Which remote repository URLs a task may name. `https://` and SSH (`ssh://…` or scp-like
 * `git@host:org/repo.git`) anywhere; `http://` only to a loopback host, where a token never
 * leaves the machine; `file://` only when KAGE_ALLOW_FILE_URLS is set (tests, local mirrors).
 * A URL never carries a password or token: those belong in a git credential. Its host is never a
 * link-local, cloud metadata or reserved address (net-address.ts, as for webhooks); loopback and
 * private addresses are fine (a git server on this host or network).
 */
import { isLoopbackHost, literalHostClass } from '../net-address.ts';
import { Refusal } from '../refusal.ts';

export type RemoteProtocol = 'https' | 'http' | 'ssh' | 'file';

export interface RemoteUrl {
  /** The URL as git is given it. */
  url: string;
  protocol: RemoteProtocol;
  /** Lower-case host name (empty for file://), matched against a credential's host. */
  host: string;
  /** The repository's path on the host without a trailing `.git`, e.g. `org/repo`. */
  repoPath: string;
}

const scpLike = /^(?<user>[A-Za-z0-9._-]+)@(?<host>[A-Za-z0-9.-]+):(?<path>[A-Za-z0-9._~/-]+)$/;

export function parseRemoteUrl(raw: string, options: { allowFileUrls: boolean }, field = 'repository.url'): RemoteUrl {
  const invalid = (reason: string) => new Refusal('invalid', 'invalid_repository_url', `${field}: ${reason}`, { field });
  // Nothing git could read as an option, and no whitespace or control characters.
  if (raw.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(raw)) throw invalid('must be a URL without spaces or control characters');
  const refuseAddress = (host: string) => {
    const reason = refusedRemoteHost(host);
    if (reason) throw new Refusal('invalid', 'repository_url_not_allowed', `${field}: ${reason}; a repository URL may not point there`, { field });
  };
  const scp = scpLike.exec(raw);
  if (scp && !raw.includes('://')) {
    refuseAddress(scp.groups!.host!);
    return { url: raw, protocol: 'ssh', host: scp.groups!.host!.toLowerCase(), repoPath: trimRepoPath(scp.groups!.path!) };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('must be an https://, ssh:// or git@host:org/repo URL');
  }
  if (url.password || (url.username && url.protocol !== 'ssh:')) {
    throw invalid('must not contain a user name, password or token; store those in a git credential (POST /api/v1/git-credentials)');
  }
  if (url.search || url.hash) throw invalid('must not have a query or fragment');
  const host = url.hostname.toLowerCase();
  const repoPath = trimRepoPath(decodeURIComponent(url.pathname));
  switch (url.protocol) {
    case 'https:':
      break;
    case 'ssh:':
      break;
    case 'http:':
      if (!isLoopbackHost(host)) throw invalid('http:// is allowed only to a loopback host; use https://');
      break;
    case 'file:':
      if (!options.allowFileUrls) throw invalid('file:// URLs are allowed only when KAGE_ALLOW_FILE_URLS=true');
      return { url: url.href, protocol: 'file', host: '', repoPath };
    default:
      throw invalid(`${url.protocol.replace(':', '')} URLs are not supported; use https://, ssh:// or git@host:org/repo`);
  }
  if (!host) throw invalid('must name a host');
  refuseAddress(host);
  if (!repoPath) throw invalid('must name a repository on the host');
  return { url: url.href, protocol: url.protocol.replace(':', '') as RemoteProtocol, host, repoPath };
}

/**
 * Why git may not be sent to `host`: a metadata name, or an address that is link-local, metadata
 * or reserved. Numbers git's resolver reads as IPv4 (`2852039166`, `0xa9fea9fe`) count as that
 * address: ssh:// and scp-like hosts reach here as written, so the URL parser's IPv4 reading is applied.
 */
function refusedRemoteHost(host: string): string | undefined {
  let asAddress = host;
  if (!host.startsWith('[')) {
    try {
      asAddress = new URL(`http://${host}/`).hostname;
    } catch {
      // Not a host the URL parser reads: judged as written.
    }
  }
  const found = literalHostClass(asAddress);
  return found?.kind === 'never' ? found.reason : undefined;
}

function trimRepoPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
}
