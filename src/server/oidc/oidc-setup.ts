/** Builds the single sign-on service from the config at start-up: the client secret read once, never logged. */
import type { Logger } from 'pino';
import type { Store } from '../../store/ports.js';
import type { ServerConfig } from '../config.js';
import { readSecretFile, SecretText } from '../secret-text.js';
import { oidcRedirectUri, type OidcConfig } from './oidc-config.js';
import { OidcService } from './oidc-service.js';

/** The OIDC service of a config with an `oidc` section. */
export async function createOidcService(
  cfg: ServerConfig & { oidc: OidcConfig },
  store: Pick<Store, 'oidc' | 'groups'>,
  now: () => Date,
  logger: Logger,
): Promise<OidcService> {
  const redirectUri = oidcRedirectUri(cfg.oidc, cfg.publicUrl);
  const service = new OidcService({
    config: cfg.oidc,
    redirectUri,
    clientSecret: await clientSecret(cfg.oidc, logger),
    store,
    now,
  });
  logger.info(
    { issuer: cfg.oidc.issuer, clientId: cfg.oidc.clientId, redirectUri },
    'single sign-on through OpenID Connect is on',
  );
  return service;
}

async function clientSecret(oidc: OidcConfig, logger: Logger): Promise<SecretText> {
  if (oidc.clientSecret) return oidc.clientSecret;
  const { text, permissive } = await readSecretFile(oidc.clientSecretFile!, 'OIDC client secret');
  if (permissive)
    logger.warn(
      { file: oidc.clientSecretFile },
      'the OIDC client secret file is readable by group or others; make it mode 0600',
    );
  return new SecretText(text);
}
