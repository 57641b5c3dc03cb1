/**
 * The config step's file edit: replace a file inside the managed root with new content, only when
 * it still has the content the server expects (so a drifted file is not overwritten), atomically,
 * keeping the mode and owner of the file it replaces.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { failed, type StepOutcome } from './outcome.js';
import { isInsideRoot, resolveInRoot } from './root-fs.js';
import { writeFileAtomic } from '../../common/atomic-write.js';

const MAX_EXISTING_BYTES = 64 * 1024 * 1024;

async function sha256OfFile(file: string): Promise<string> {
  const fh = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_EXISTING_BYTES) throw new Error(`larger than ${MAX_EXISTING_BYTES} bytes`);
    return createHash('sha256')
      .update(await fh.readFile())
      .digest('hex');
  } finally {
    await fh.close();
  }
}

/** Writes `content` to `filePath` (absolute, inside `root`) when its current SHA-256 is `expectedSha256` (null: absent). */
export async function editFile(
  root: string,
  change: { path: string; content: string; expectedSha256: string | null },
): Promise<StepOutcome> {
  const host = await resolveInRoot(root, change.path).catch((err: Error) => err);
  if (host instanceof Error) return failed(`${change.path}: ${host.message}`);
  if (!isInsideRoot(root, host)) return failed(`${change.path} resolves outside the managed root; not edited`);
  const parent = await lstat(path.dirname(host)).catch(() => undefined);
  if (!parent?.isDirectory()) return failed(`${change.path}: its directory does not exist; not edited`);
  const st = await lstat(host).catch(() => undefined);
  if (st && !st.isFile()) return failed(`${change.path} is not a regular file; not edited`);
  if (!st && change.expectedSha256 !== null)
    return failed(
      `${change.path} does not exist, but the job expects its SHA-256 ${change.expectedSha256.slice(0, 12)}…; not edited`,
    );
  if (st && change.expectedSha256 === null)
    return failed(`${change.path} exists, but the job expects it not to; not edited`);
  if (st) {
    const actual = await sha256OfFile(host).catch((err: Error) => err);
    if (actual instanceof Error) return failed(`${change.path}: cannot read it (${actual.message}); not edited`);
    if (actual !== change.expectedSha256) {
      return failed(
        `${change.path} has changed since the job was made (SHA-256 ${actual.slice(0, 12)}…, expected ${change.expectedSha256!.slice(0, 12)}…); not edited`,
      );
    }
  }
  const mode = st ? st.mode & 0o7777 : 0o644;
  await writeFileAtomic(host, change.content, st ? { mode, uid: st.uid, gid: st.gid } : { mode });
  const verb = st ? 'replaced' : 'created';
  return {
    result: 'succeeded',
    exitCode: null,
    log: '',
    message: `${verb} ${change.path} (${Buffer.byteLength(change.content)} bytes, mode ${mode.toString(8)})`,
  };
}
