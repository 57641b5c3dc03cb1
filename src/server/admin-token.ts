/**
 * The initial admin API token: written to a file (mode 0600) on first start, valid for
 * `initialAdminTokenHours`, and issued again by `patchhive serve --reset-admin-token` when every
 * admin token is lost or expired. Reissuing needs the server's database, so only the server's
 * owner can do it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import { openStore } from '../store/open.js';
import { databaseUrl, type ServerConfig } from './config.js';
import { TokenService } from './services/tokens.js';
import { TouchBuffer } from './services/touch-buffer.js';

/** Where the initial admin token is written. */
export function initialAdminTokenFile(cfg: ServerConfig): string {
  return cfg.bootstrapTokenFile ?? path.join(cfg.dataDir, 'initial-admin-token');
}

/** Writes the token file (atomically, mode 0600). */
export async function writeInitialAdminToken(cfg: ServerConfig, secret: string): Promise<string> {
  const file = initialAdminTokenFile(cfg);
  await writeFileAtomic(file, secret + '\n', 0o600);
  return file;
}

/** Issues a new admin token in the server's database and writes it to the token file. */
export async function resetAdminToken(
  cfg: ServerConfig,
  now: () => Date = () => new Date(),
): Promise<{ file: string; id: string; expiresAt: string }> {
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(databaseUrl(cfg));
  try {
    await store.migrate();
    const tokens = new TokenService(store, now, new TouchBuffer(store));
    const issued = await tokens.issueRecoveryAdminToken(cfg.initialAdminTokenHours);
    const file = await writeInitialAdminToken(cfg, issued.secret);
    return {
      file,
      id: issued.id,
      expiresAt: new Date(now().getTime() + cfg.initialAdminTokenHours * 3_600_000).toISOString(),
    };
  } finally {
    await store.close();
  }
}
