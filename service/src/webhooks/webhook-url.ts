/** Why a callback or subscription URL is refused; the API answers 400 with this message. */
export class WebhookUrlError extends Error {
  readonly url: string;

  constructor(url: string, reason: string) {
    super(`Webhook URL ${url} is not allowed: ${reason}`);
    this.name = 'WebhookUrlError';
    this.url = url;
  }
}

/**
 * Checks a webhook target: http or https only, and, when `allowedHosts` is not empty
 * (KAGE_WEBHOOK_ALLOWED_HOSTS), a host on that list. Returns the normalised URL.
 */
export function checkWebhookUrl(url: string, allowedHosts: readonly string[]): string {
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
  const host = parsed.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const allowed = allowedHosts.map((entry) => entry.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  if (allowed.length > 0 && !allowed.includes(host)) {
    throw new WebhookUrlError(url, `host ${host} is not in KAGE_WEBHOOK_ALLOWED_HOSTS (${allowed.join(', ')})`);
  }
  return parsed.toString();
}
