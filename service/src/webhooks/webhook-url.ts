import { type PrivateTargets, refusedLiteralHost } from './webhook-address.ts';
import { normalHost } from '../net-address.ts';
import { Refusal } from '../refusal.ts';

/** Why a callback or subscription URL is refused. */
export class WebhookUrlError extends Refusal {
  readonly url: string;

  constructor(url: string, reason: string) {
    super('invalid', 'webhook_url_not_allowed', `Webhook URL ${url} is not allowed: ${reason}`, { url });
    this.url = url;
  }
}

/**
 * Checks a webhook target: http or https only; when `allowedHosts` is not empty
 * (KAGE_WEBHOOK_ALLOWED_HOSTS), a host on that list; and a literal address (decimal and
 * IPv6 forms carrying an IPv4 address included, see net-address.ts) that the address policy
 * allows; a host is compared without a trailing dot (`metadata.google.internal.` is that host).
 * Host names are checked by what they resolve to when a delivery is sent. Returns the normalised URL.
 */
export function checkWebhookUrl(url: string, allowedHosts: readonly string[], privateTargets: PrivateTargets = 'allow'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlError(url, 'not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebhookUrlError(url, `scheme ${parsed.protocol.replace(/:$/, '')} is not supported; use http or https`);
  }
  if (parsed.username || parsed.password) throw new WebhookUrlError(url, 'credentials in the URL are not accepted');
  const host = normalHost(parsed.hostname);
  const allowed = allowedHosts.map(normalHost);
  if (allowed.length > 0 && !allowed.includes(host)) {
    throw new WebhookUrlError(url, `host ${host} is not in KAGE_WEBHOOK_ALLOWED_HOSTS (${allowed.join(', ')})`);
  }
  const refused = refusedLiteralHost(host, privateTargets);
  if (refused) throw new WebhookUrlError(url, refused);
  return parsed.toString();
}
