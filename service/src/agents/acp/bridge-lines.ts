/**
 * What passes between the service and its ACP bridge (acp-bridge.ts): the one JSON object a line
 * the bridge prints, which acp-adapter.ts parses, and the line the service writes to cancel.
 */
export type BridgeLine =
  | { type: 'session'; sessionId: string; agent: string | null }
  | { type: 'update'; update: Record<string, unknown> }
  | { type: 'permission'; tool: string; kind: string | null; decision: 'allowed' | 'refused'; reason: string }
  | { type: 'result'; stopReason: string; usage: Record<string, unknown> | null }
  | { type: 'error'; message: string };

/** The line on the bridge's stdin that cancels the prompt. */
export const CANCEL_LINE = 'cancel';
