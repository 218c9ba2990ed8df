import { z } from 'zod';

/**
 * Helpers shared by the adapters' output parsers. Agent CLIs change their JSON output between
 * versions, so every line is validated leniently: a line that does not match is skipped, never
 * thrown on.
 */
const typed = z.object({ type: z.string() });

/** The parsed object and its `type`, or undefined for non-JSON lines and JSON without a type. */
export function readJsonLine(line: string): { type: string; value: unknown } | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const result = typed.safeParse(value);
  return result.success ? { type: result.data.type, value } : undefined;
}

/** Validates a parsed line against the schema of its type; undefined when it does not fit. */
export function as<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** One line of text, cut to a length that suits an event stream. */
export function summarize(text: string, maxLength = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine;
}

/** A non-JSON line as plain progress text (blank lines carry nothing). */
export function textProgress(line: string): { kind: 'text'; message: string } | undefined {
  const message = summarize(line);
  return message === '' ? undefined : { kind: 'text', message };
}

/** The most telling argument of a tool call, for a one-line summary like `Write /a/b.ts`. */
export function describeToolCall(name: string, input: unknown): string {
  if (input !== null && typeof input === 'object') {
    const record = input as Record<string, unknown>;
    for (const key of ['file_path', 'filePath', 'path', 'command', 'cmd', 'pattern', 'url', 'query', 'description']) {
      const value = record[key];
      if (typeof value === 'string' && value !== '') return summarize(`${name} ${value}`);
    }
  }
  return name;
}
