/**
 * Splits an agent's output into lines without trusting it: a line longer than `maxLineChars` is
 * cut there and marked (its rest is counted and dropped, never held), so an agent printing
 * gigabytes without a newline costs a bounded amount of memory.
 */
export class BoundedLines {
  private readonly maxLineChars: number;
  private current = '';
  private dropped = 0;

  constructor(maxLineChars: number) {
    this.maxLineChars = maxLineChars;
  }

  /** The complete lines `chunk` finishes, each within the bound. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      this.append(chunk.slice(start, newline));
      lines.push(this.take());
      start = newline + 1;
    }
    this.append(chunk.slice(start));
    return lines;
  }

  /** The last line when the output did not end with a newline. */
  end(): string[] {
    return this.current === '' && this.dropped === 0 ? [] : [this.take()];
  }

  private append(text: string): void {
    const room = this.maxLineChars - this.current.length;
    if (text.length <= room) {
      this.current += text;
      return;
    }
    this.current += text.slice(0, Math.max(room, 0));
    this.dropped += text.length - Math.max(room, 0);
  }

  private take(): string {
    const line = this.current.endsWith('\r') ? this.current.slice(0, -1) : this.current;
    const marked = wellFormed(this.dropped > 0 ? `${line} … [${this.dropped} more characters cut]` : line);
    this.current = '';
    this.dropped = 0;
    return marked;
  }
}

/** Text PostgreSQL can store: NUL characters and lone surrogates replaced by U+FFFD. */
export function wellFormed(text: string): string {
  return text.replaceAll('\0', '\uFFFD').toWellFormed();
}
