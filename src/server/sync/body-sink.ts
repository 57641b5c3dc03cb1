/** Streams a feed body to a file while hashing it, refusing bodies over a byte limit. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Thrown (inside the pipeline) when a body passes the limit; callers turn it into their own error. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`body is larger than the limit of ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Writes `body` to `destPath` (created or truncated, mode 0600, fsync'd before it resolves),
 * returning its size and SHA-256.
 * On any failure the partial file is removed and the error rethrown.
 */
export async function writeBodyToFile(
  body: Readable,
  destPath: string,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(new BodyTooLargeError(maxBytes));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(destPath, { mode: 0o600, flush: true }));
  } catch (err) {
    await unlink(destPath).catch(() => undefined);
    throw err;
  }
  return { bytes, sha256: hash.digest('hex') };
}
