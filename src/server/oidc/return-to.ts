/**
 * Where to send a browser after signing in: only a path of this server, never another origin.
 * Pure. Anything else — another host, a scheme, `//host`, backslashes, control characters, a path
 * outside the console (the API) — falls back to `/`.
 */

const MAX_RETURN_TO = 2000;

/** `raw` when it is a same-origin path of `origin` outside /api/, else "/". */
export function safeReturnTo(raw: unknown, origin: string): string {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_RETURN_TO) return '/';
  // Only a path: no scheme, no authority ("//evil"), no backslash (browsers read "/\evil" as "//evil").
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return '/';
  }
  if (url.origin !== new URL(origin).origin) return '/';
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
