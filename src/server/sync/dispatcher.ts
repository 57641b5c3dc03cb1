/**
 * The HTTP dispatcher feeds are fetched through: a configured proxy, or the standard proxy
 * environment variables (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, lower-case first, as curl does).
 */
import { EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici';
import { PatchhiveError } from '../../errors.js';

/** The proxy settings for feeds, from the server configuration. */
export interface FeedProxyConfig {
  /** http(s)://[user:password@]host:port of the proxy; credentials become Proxy-Authorization. */
  url?: string | undefined;
  /**
   * Explicit environment-style settings, for callers that read the environment at their entry
   * point. When absent, undici reads HTTP(S)_PROXY at construction and NO_PROXY on each request.
   */
  env?: { httpProxy?: string; httpsProxy?: string; noProxy?: string } | undefined;
}

/**
 * A dispatcher for feed requests: ProxyAgent for a configured proxy URL, else EnvHttpProxyAgent.
 * A malformed proxy URL is E_CONFIG_INVALID, described without its credentials.
 */
export function feedDispatcher(proxy: FeedProxyConfig = {}): Dispatcher {
  if (proxy.url) return new ProxyAgent({ uri: checkedProxyUrl(proxy.url) });
  const env = proxy.env ?? {};
  for (const u of [env.httpProxy, env.httpsProxy]) if (u) checkedProxyUrl(u);
  return new EnvHttpProxyAgent({
    ...(env.httpProxy !== undefined ? { httpProxy: env.httpProxy } : {}),
    ...(env.httpsProxy !== undefined ? { httpsProxy: env.httpsProxy } : {}),
    ...(env.noProxy !== undefined ? { noProxy: env.noProxy } : {}),
  });
}

/** The proxy as it may be logged: scheme, host and port, never the user or password. */
export function describeProxy(url: string | undefined): string {
  if (!url) return 'from the environment (HTTPS_PROXY/HTTP_PROXY/NO_PROXY)';
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.username ? ' (with credentials)' : ''}`;
  } catch {
    return '(unparsable proxy URL)';
  }
}

function checkedProxyUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PatchhiveError('E_CONFIG_INVALID', 'proxy URL is not a URL (expected http://host:port)');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PatchhiveError(
      'E_CONFIG_INVALID',
      `proxy ${describeProxy(url)}: only http and https proxies are supported`,
    );
  }
  return url;
}
