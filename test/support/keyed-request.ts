/** Request options as tests write them: `json` is sent as a JSON body. */
export type KeyedInit = RequestInit & { json?: unknown };

/** A request to a running service with its API key set. */
export type KeyedRequest = (path: string, init?: KeyedInit) => Promise<Response>;

export function keyedRequest(baseUrl: string, apiKey: string): KeyedRequest {
  return (path, init = {}) => fetch(`${baseUrl}${path}`, withApiKey(apiKey, init));
}

/** The API key (unless the caller set one, to test a wrong one) and the JSON body, as fetch takes them. */
export function withApiKey(apiKey: string, { json, ...init }: KeyedInit): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has('x-api-key') && !headers.has('authorization')) headers.set('x-api-key', apiKey);
  if (json === undefined) return { ...init, headers };
  headers.set('content-type', 'application/json');
  return { ...init, headers, body: JSON.stringify(json) };
}
