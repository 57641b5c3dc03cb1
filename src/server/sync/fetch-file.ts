/**
 * Local feeds (file:// or an absolute path): copied like a download, with validators derived from
 * the file's size and modification time so that an unchanged file is "not-modified".
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BodyTooLargeError, writeBodyToFile } from './body-sink.js';
import { FeedUnreachableError } from './feed-errors.js';

/** Unchanged since the validators, or fetched into destPath. */
export type FetchFeedResult =
  | { status: 'not-modified' }
  | { status: 'fetched'; bytes: number; sha256: string; etag: string | null; lastModified: string | null };

/** Copies a local feed file into `destPath`, or reports it unchanged since the given validators. */
export async function copyLocalFeed(req: {
  path: string;
  etag?: string | null | undefined;
  lastModified?: string | null | undefined;
  destPath: string;
  maxBytes: number;
}): Promise<FetchFeedResult> {
  const where = `file ${req.path}`;
  let size: number;
  let mtime: Date;
  let mtimeMs: number;
  try {
    const st = await stat(req.path);
    if (!st.isFile()) throw new FeedUnreachableError(`${where}: not a regular file`, null, 1);
    ({ size, mtime, mtimeMs } = st);
  } catch (err) {
    if (err instanceof FeedUnreachableError) throw err;
    throw new FeedUnreachableError(`${where}: ${(err as NodeJS.ErrnoException).code ?? 'cannot read'}`, null, 1, {
      cause: err,
    });
  }
  // The HTTP date has whole seconds; the etag also carries size and sub-second time, so a file
  // rewritten within the same second is still seen as changed.
  const etag = `W/"${size.toString(16)}-${Math.round(mtimeMs * 1000).toString(16)}"`;
  const lastModified = mtime.toUTCString();
  if (req.etag ? req.etag === etag : req.lastModified === lastModified) return { status: 'not-modified' };
  if (size > req.maxBytes)
    throw new FeedUnreachableError(`${where}: larger than the limit of ${req.maxBytes} bytes`, null, 1);
  try {
    const { bytes, sha256 } = await writeBodyToFile(createReadStream(req.path), req.destPath, req.maxBytes);
    return { status: 'fetched', bytes, sha256, etag, lastModified };
  } catch (err) {
    const why = err instanceof BodyTooLargeError ? err.message : ((err as NodeJS.ErrnoException).code ?? 'cannot copy');
    throw new FeedUnreachableError(`${where}: ${why}`, null, 1, { cause: err });
  }
}
