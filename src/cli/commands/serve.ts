/** `patchhive serve`: the central server (SQLite in the data directory unless --database). */
import { Command, Option } from 'commander';

interface ServeOptions {
  config?: string;
  dataDir?: string;
  database?: string;
  host?: string;
  port?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel?: string;
  resetAdminToken?: boolean;
}

/** The TLS flags as a partial `tls` config object (merged over the config file's), or undefined when neither is given. */
function tlsFlags(o: ServeOptions): { certFile?: string; keyFile?: string } | undefined {
  if (o.tlsCert === undefined && o.tlsKey === undefined) return undefined;
  return {
    ...(o.tlsCert !== undefined ? { certFile: o.tlsCert } : {}),
    ...(o.tlsKey !== undefined ? { keyFile: o.tlsKey } : {}),
  };
}

/** Adds `patchhive serve` to the program. */
export function registerServeCommand(program: Command, version: string): void {
  program
    .command('serve')
    .description(
      'Run the Patchhive server: REST API under /api/v1, agent check-ins, catalog sync, scheduling.\n' +
        'Storage: SQLite in the data directory by default; --database postgres://... for PostgreSQL.\n' +
        'First start writes an admin API token to <data-dir>/initial-admin-token (mode 0600); it expires\n' +
        '(initialAdminTokenHours, default 24): create named admin tokens with it (patchhive tokens create).\n' +
        'Lost every admin token? Run --reset-admin-token on the server host: it writes a new one to that file.\n' +
        'HTTPS with --tls-cert and --tls-key (PEM files, re-read on SIGHUP); else plain HTTP, e.g. behind a TLS-terminating proxy.\n' +
        'Prints the job-signing key fingerprint agents pin at enrollment (also at GET /api/v1/server-key).\n' +
        'Settings: --config FILE (JSON, see docs/CONFIG.md), then PATCHHIVE_* environment variables, then flags.',
    )
    .option('--config <file>', 'JSON config file')
    .option('--data-dir <dir>', 'data directory (default ./patchhive-data)')
    .option('--database <url>', 'database URL (postgres://...); default SQLite in the data directory')
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'TCP port (default 8060; 0 = any free port)')
    .option(
      '--reset-admin-token',
      'write a new admin API token to the initial token file, then exit (needs the data directory and database)',
    )
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate chain (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert (mode 0600)')
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .action(async (o: ServeOptions) => {
      // The server (Fastify, the stores, PDF and OIDC libraries) loads only here, so every other command starts fast.
      const { loadServerConfig } = await import('../../server/config.js');
      const cfg = loadServerConfig({
        file: o.config,
        env: process.env,
        flags: {
          dataDir: o.dataDir,
          database: o.database,
          host: o.host,
          port: o.port,
          logLevel: o.logLevel,
          tls: tlsFlags(o),
        },
      });
      if (o.resetAdminToken) {
        const { resetAdminToken } = await import('../../server/admin-token.js');
        const issued = await resetAdminToken(cfg);
        process.stderr.write(
          `patchhive: wrote a new admin API token (id ${issued.id}, expires ${issued.expiresAt}) to ${issued.file} (mode 0600)\n`,
        );
        return;
      }
      const { startServer } = await import('../../server/server.js');
      const server = await startServer(cfg, { version });
      process.stderr.write(`patchhive: job-signing key fingerprint: ${server.keyFingerprint}\n`);
      process.stderr.write(`patchhive: serving on ${server.url} (${server.store.kind}, data in ${cfg.dataDir})\n`);
      // SIGHUP: new connections get the certificate now in the files (renewals without a restart).
      const reload = () => void server.reloadTls();
      process.on('SIGHUP', reload);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      process.off('SIGHUP', reload);
      await server.close();
    });
}
