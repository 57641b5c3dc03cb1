/** The error a feed fetch ends with, and short credential-free descriptions of network errors. */
import { PatchhiveError } from '../../errors.js';

/**
 * E_FEED_UNREACHABLE with what the caller needs to decide: the last HTTP status (null when no
 * answer came) and how many attempts were made. The message names the feed by its label only.
 */
export class FeedUnreachableError extends PatchhiveError {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super('E_FEED_UNREACHABLE', message, undefined, options);
  }
}

const FRIENDLY: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name resolution failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response in time',
  UND_ERR_BODY_TIMEOUT: 'body stalled',
  UND_ERR_SOCKET: 'connection closed by the other side',
  UND_ERR_CLOSED: 'connection closed',
};

/**
 * Describes a network error by its code, never by its message: undici and proxy errors can quote
 * URLs or headers, which may hold credentials.
 */
export function describeNetworkError(err: unknown): string {
  const proxyStatus = proxyRefusal(err);
  if (proxyStatus !== undefined) return `proxy answered HTTP ${proxyStatus} to the tunnel request`;
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  if (code) return FRIENDLY[code] ? `${FRIENDLY[code]} (${code})` : code;
  if (err instanceof Error && /proxy/i.test(err.message)) return 'proxy refused the connection';
  return err instanceof Error ? err.name : 'network error';
}

/** The proxy's status when undici could not open a CONNECT tunnel through it (e.g. 407). */
export function proxyRefusal(err: unknown): number | undefined {
  const m = err instanceof Error ? /^Proxy response \((\d{3})\) !== 200/.exec(err.message) : null;
  return m ? Number(m[1]) : undefined;
}
