/**
 * Downloading a job's artifacts: each to `<stateDir>/artifacts/<jobId>/<file>` (0600, created
 * fresh, never through a symlink), reading at most one byte more than the signed size, then
 * checked against the signed size and SHA-256 (verifyArtifact). A file that fails is deleted.
 */
import { constants } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { request, type Dispatcher } from 'undici';
import { serverDispatcher } from '../../common/http-dispatcher.js';
import type { Artifact, JobBody } from '../../protocol/jobs.js';
import type { ProxySettings } from '../client.js';
import { verifyArtifact } from '../job-verify.js';

/** Fetches `artifact.url` into `file`, stopping after `maxBytes`; throws with a one-line reason. */
export type ArtifactFetcher = (artifact: Artifact, file: string, maxBytes: number) => Promise<void>;

export type ArtifactsVerdict =
  | { ok: true; files: Map<string, string> }
  | { ok: false; reason: 'size-mismatch' | 'hash-mismatch' | 'download-failed'; message: string };

/** The directory of a job's artifacts. */
export function artifactsDir(stateDir: string, jobId: string): string {
  return path.join(stateDir, 'artifacts', jobId);
}

/** The file name an artifact is stored under: Windows installers need their extension (wusa insists on .msu). */
export function artifactFileName(job: JobBody, artifactId: string): string {
  const step = job.steps.find((s) => s.kind === 'install' && 'artifactId' in s && s.artifactId === artifactId);
  const ext =
    step && 'manager' in step
      ? (({ wusa: '.msu', msiexec: '.msi', exe: '.exe' } as Record<string, string>)[step.manager] ?? '')
      : '';
  return `${artifactId}${ext}`;
}

/** Downloads and verifies every artifact of `job`; on any failure deletes what it downloaded. */
export async function fetchJobArtifacts(
  job: JobBody,
  stateDir: string,
  fetcher: ArtifactFetcher,
): Promise<ArtifactsVerdict> {
  const files = new Map<string, string>();
  if (job.artifacts.length === 0) return { ok: true, files };
  const dir = artifactsDir(stateDir, job.jobId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const artifact of job.artifacts) {
    const file = path.join(dir, artifactFileName(job, artifact.id));
    try {
      await fetcher(artifact, file, artifact.size + 1);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      return {
        ok: false,
        reason: 'download-failed',
        message: `artifact ${artifact.id}: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const verdict = await verifyArtifact(artifact, { file });
    if (!verdict.ok) {
      await rm(dir, { recursive: true, force: true });
      return verdict;
    }
    files.set(artifact.id, file);
  }
  return { ok: true, files };
}

export interface FetcherOptions {
  proxy?: ProxySettings;
  userAgent: string;
  timeoutMs?: number;
  /** Sent as a bearer token only to this origin (artifacts served by the Patchhive server itself). */
  serverAuth?: { origin: string; credential: string };
  /** PEM CA bundle (--ca-file): the only CAs for the server's origin, trusted besides the built-in roots elsewhere. */
  ca?: string;
}

/** An HTTP(S) fetcher through the configured proxy; follows no redirects. */
export function createArtifactFetcher(opts: FetcherOptions): { fetch: ArtifactFetcher; close(): Promise<void> } {
  const timeout = opts.timeoutMs ?? 120_000;
  // The server's own origin (which gets the credential) is verified as strictly as check-ins are;
  // other hosts (a vendor's mirror) against the built-in roots plus the --ca-file bundle: what they
  // serve is checked against the signed SHA-256 anyway.
  const toServer: Dispatcher = serverDispatcher({ proxy: opts.proxy, ca: opts.ca, responseTimeoutMs: timeout });
  const elsewhere: Dispatcher =
    opts.ca === undefined
      ? toServer
      : serverDispatcher({ proxy: opts.proxy, ca: [...rootCertificates, opts.ca], responseTimeoutMs: timeout });
  const fetchOne: ArtifactFetcher = async (artifact, file, maxBytes) => {
    const headers: Record<string, string> = { 'user-agent': opts.userAgent };
    const own = opts.serverAuth !== undefined && new URL(artifact.url).origin === opts.serverAuth.origin;
    if (own) headers.authorization = `Bearer ${opts.serverAuth!.credential}`;
    const dispatcher = own ? toServer : elsewhere;
    const res = await request(artifact.url, { method: 'GET', dispatcher, headers }).catch(
      (err: NodeJS.ErrnoException) => {
        throw new Error(`cannot download from ${new URL(artifact.url).origin} (${err.code ?? err.name})`);
      },
    );
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new Error(`the download answered HTTP ${res.statusCode}`);
    }
    const fh = await open(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
      0o600,
    );
    let total = 0;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        const room = maxBytes - total;
        await fh.write(buf.subarray(0, Math.max(0, Math.min(room, buf.length))));
        total += buf.length;
        if (total >= maxBytes) break; // more than signed: verifyArtifact will say size-mismatch
      }
      await fh.sync();
    } finally {
      await fh.close();
      if (total >= maxBytes) res.body.destroy();
    }
  };
  return {
    fetch: fetchOne,
    close: async () =>
      void (await Promise.all(toServer === elsewhere ? [toServer.close()] : [toServer.close(), elsewhere.close()])),
  };
}
