/**
 * Conditional download of one feed into a file: ETag / Last-Modified validators, a byte limit,
 * timeouts, and retries with exponential backoff and jitter on transient failures. Local files
 * (file:// or an absolute path) are copied with the same contract.
 */
import { interceptors, request, type Dispatcher } from 'undici';
import { backoffDelayMs, type BackoffOptions } from '../../common/backoff.js';
import { BodyTooLargeError, writeBodyToFile } from './body-sink.js';
import { describeNetworkError, FeedUnreachableError, proxyRefusal } from './feed-errors.js';
import { feedLabel, parseFeedLocation } from './feed-url.js';
import { copyLocalFeed, type FetchFeedResult } from './fetch-file.js';

export type { FetchFeedResult };

/** One conditional download: where from, where to, and its limits. */
export interface FetchFeedRequest {
  url: string;
  /** Validators from the last good copy; sent as If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  /** The (temporary) file the body is written to; removed again on failure. */
  destPath: string;
  maxBytes: number;
  /** Per attempt: longest wait for the response headers, and longest pause inside the body. */
  timeoutMs: number;
  /** Further attempts after the first on network errors, timeouts, 5xx and 429. */
  retries: number;
  dispatcher: Dispatcher;
  /** Waits between attempts (tests pass one that does not really wait). */
  sleep?: (ms: number) => Promise<void>;
  /** 0 ≤ x < 1, for the jitter; default Math.random. */
  random?: () => number;
}

/** Waits between attempts: from half a second, doubling, up to 30 s ("equal jitter": never retried at once). */
export const FEED_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };
const MAX_REDIRECTIONS = 5;

/** One attempt's failure: whether trying again may help. */
class AttemptFailed extends Error {
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
    readonly httpStatus: number | null,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/**
 * Fetches a feed into `destPath`. Resolves 'not-modified' when the validators still match (no body
 * is written), 'fetched' with the body's size, SHA-256 and new validators otherwise. Every failure
 * is a FeedUnreachableError (E_FEED_UNREACHABLE) naming the feed without credentials.
 */
export async function fetchFeed(req: FetchFeedRequest): Promise<FetchFeedResult> {
  const location = parseFeedLocation(req.url);
  if (location.kind === 'file') return copyLocalFeed({ ...req, path: location.path });
  const label = feedLabel(req.url);
  const sleep = req.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = req.random ?? Math.random;
  const dispatcher = req.dispatcher.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      return await attemptOnce(req, location.url, dispatcher);
    } catch (err) {
      const failure = err instanceof AttemptFailed ? err : networkFailure(err);
      if (!failure.retryable || attempt > req.retries) {
        const tries = attempt > 1 ? ` (${attempt} attempts)` : '';
        throw new FeedUnreachableError(`GET ${label}: ${failure.reason}${tries}`, failure.httpStatus, attempt, {
          cause: failure.cause,
        });
      }
      await sleep(backoffDelayMs(attempt, random, FEED_BACKOFF, { kind: 'equal' }));
    }
  }
}

async function attemptOnce(req: FetchFeedRequest, url: URL, dispatcher: Dispatcher): Promise<FetchFeedResult> {
  const headers: Record<string, string> = {
    accept: '*/*',
    'accept-encoding': 'identity',
    'user-agent': 'patchhive-sync',
  };
  if (req.etag) headers['if-none-match'] = req.etag;
  if (req.lastModified) headers['if-modified-since'] = req.lastModified;
  const res = await request(url, {
    method: 'GET',
    headers,
    dispatcher,
    headersTimeout: req.timeoutMs,
    bodyTimeout: req.timeoutMs,
  });
  if (res.statusCode === 304) {
    await res.body.dump();
    return { status: 'not-modified' };
  }
  if (res.statusCode < 200 || res.statusCode > 299) {
    await res.body.dump().catch(() => undefined);
    const retryable = res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408;
    throw new AttemptFailed(`HTTP ${res.statusCode}`, retryable, res.statusCode);
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > req.maxBytes) {
    res.body.on('error', () => undefined).destroy();
    throw new AttemptFailed(
      `body of ${declared} bytes is larger than the limit of ${req.maxBytes} bytes`,
      false,
      res.statusCode,
    );
  }
  try {
    const { bytes, sha256 } = await writeBodyToFile(res.body, req.destPath, req.maxBytes);
    return {
      status: 'fetched',
      bytes,
      sha256,
      etag: header(res.headers, 'etag'),
      lastModified: header(res.headers, 'last-modified'),
    };
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new AttemptFailed(err.message, false, res.statusCode);
    throw err;
  }
}

/** Network errors and timeouts are worth retrying; a proxy refusing us (407, 403) is not. */
function networkFailure(err: unknown): AttemptFailed {
  const proxyStatus = proxyRefusal(err);
  const retryable = proxyStatus === undefined || proxyStatus >= 500;
  return new AttemptFailed(describeNetworkError(err), retryable, null, { cause: err });
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.length <= 1024 ? s : null;
}
