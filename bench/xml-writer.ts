/** Buffered synchronous file writer for generated documents (hundreds of MB without holding them). */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Appends text to a file through a buffer, counting the bytes written. */
export class FileWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private pending = 0;
  /** Bytes written so far (UTF-8). */
  bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Appends text; flushes about every 4 MB. */
  write(s: string): void {
    this.parts.push(s);
    this.pending += s.length;
    if (this.pending >= 4 << 20) this.flush();
  }

  /** Flushes and closes the file; returns the bytes written. */
  close(): number {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.pending = 0;
  }
}

/** Escapes text for XML element content and attribute values. */
export function esc(s: string): string {
  return /[&<>"']/.test(s)
    ? s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    : s;
}
