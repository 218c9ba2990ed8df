/**
 * Calls to the service's `/api/v1` that keep every answer's text, so a test can search all of
 * them afterwards (for a secret that must never appear).
 */
type Request = (path: string, init: { method?: string; json?: unknown }) => Promise<{ status: number; text(): Promise<string> }>;

export interface RecordedCalls {
  call(path: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: any }>;
  answers: string[];
}

/** `request` is looked up at each call: the service it points at may start after this is made. */
export function recordedCalls(request: () => Request): RecordedCalls {
  const answers: string[] = [];
  return {
    answers,
    async call(path, init = {}) {
      const response = await request()(`/api/v1${path}`, init);
      const text = await response.text();
      answers.push(text);
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}
