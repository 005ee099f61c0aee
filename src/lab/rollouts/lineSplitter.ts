/**
 * Splits text arriving in chunks of any size into lines (\n or \r\n), a line possibly spanning many chunks, with
 * 1-based line numbers. A line longer than maxLineChars is not buffered: it comes back as `tooLong` so memory stays
 * bounded whatever the file holds. A byte-order mark at the very start is dropped.
 */

export interface SplitLine {
  text: string;
  lineNumber: number;
  /** The line was longer than maxLineChars; `text` is empty. */
  tooLong?: boolean;
}

export class LineSplitter {
  private parts: string[] = [];
  private pendingChars = 0;
  private overflow = false;
  private nextLine = 1;
  private started = false;

  constructor(readonly maxLineChars = 32 * 1024 * 1024) {}

  /** The complete lines `chunk` finishes. */
  push(chunk: string): SplitLine[] {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const out: SplitLine[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) break;
      this.append(chunk.slice(from, nl));
      out.push(this.take());
      from = nl + 1;
    }
    if (from < chunk.length) this.append(chunk.slice(from));
    return out;
  }

  /** The last line when the text did not end with a newline (none when it did). */
  end(): SplitLine[] {
    if (this.pendingChars === 0 && !this.overflow) return [];
    return [this.take()];
  }

  private append(piece: string): void {
    if (this.overflow || piece.length === 0) return;
    this.pendingChars += piece.length;
    if (this.pendingChars > this.maxLineChars) {
      this.overflow = true;
      this.parts = [];
    } else {
      this.parts.push(piece);
    }
  }

  private take(): SplitLine {
    const lineNumber = this.nextLine++;
    const line: SplitLine = this.overflow ? { text: '', lineNumber, tooLong: true } : { text: stripCr(this.parts.join('')), lineNumber };
    this.parts = [];
    this.pendingChars = 0;
    this.overflow = false;
    return line;
  }
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
