/**
 * What a person starting the service needs next: where the review pages and the API docs are,
 * and where the generated API key is kept. Never a key itself: one from API_KEYS is the
 * operator's secret, and a generated one is printed once, when it is made (main.ts).
 */
export interface WhereToGo {
  /** For the "Kage Bunshin listening" log line. */
  fields: { url: string; ui: string; docs: string; apiKeyFile?: string };
  /** The same for a person at a terminal. */
  text: string;
}

/** `apiKeyFile`: the generated key's file, or undefined when the keys come from API_KEYS. */
export function whereToGo(protocol: 'http' | 'https', host: string, port: number, apiKeyFile: string | undefined): WhereToGo {
  // An IPv6 address needs brackets in a URL (http://[::1]:8000).
  const url = `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const fields = { url, ui: `${url}/ui`, docs: `${url}/docs`, ...(apiKeyFile ? { apiKeyFile } : {}) };
  const key = apiKeyFile ? `kept in ${apiKeyFile}` : 'one of API_KEYS';
  const text = [
    '',
    `Kage Bunshin is running at ${url}`,
    `  review pages  ${fields.ui}   (log in with the API key)`,
    `  API docs      ${fields.docs}`,
    `  API key       ${key}`,
    '',
    '',
  ].join('\n');
  return { fields, text };
}
