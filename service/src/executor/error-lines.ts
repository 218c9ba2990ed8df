/**
 * The first lines of a command's output that look like its error: a failing install says why
 * forty lines before its last three (pip's "No matching distribution", npm's "ERR!", a
 * compiler's "error:"), and the tail alone hides it. Bounded however much the command prints.
 * Lines are read as plain text (terminal-text.ts): a colour code glued to a word hides the word
 * from the pattern (`\x1b[31merror` has no word boundary before "error").
 */
import { plainText } from './terminal-text.ts';

const errorLooking = /\b(error|fatal|failed|failure|exception|traceback|cannot|could not|couldn't|not found|no such file|permission denied|ENOENT|EACCES|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ERR!)\b/i;

const MAX_LINES = 5;
const MAX_LINE_CHARS = 300;

export class ErrorLines {
  readonly lines: string[] = [];
  private partial = '';

  /** Takes the next chunk of output. */
  push(chunk: string): void {
    if (this.lines.length >= MAX_LINES) return;
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = (parts.pop() ?? '').slice(-MAX_LINE_CHARS * 4);
    for (const line of parts) this.take(line);
  }

  /** The output ended: its last line without a newline counts too. */
  end(): string[] {
    if (this.partial) this.take(this.partial);
    this.partial = '';
    return this.lines;
  }

  private take(line: string): void {
    const trimmed = plainText(line).trim();
    if (this.lines.length < MAX_LINES && trimmed !== '' && errorLooking.test(trimmed)) this.lines.push(trimmed.slice(0, MAX_LINE_CHARS));
  }
}
