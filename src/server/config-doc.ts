/** docs/CONFIG.md, generated from the config schema so the reference cannot drift from the code. */
import { z } from 'zod';
import { serverConfigSchema } from './config.js';

const ENV: Record<string, string> = {
  dataDir: 'PATCHHIVE_DATA_DIR',
  database: 'PATCHHIVE_DATABASE',
  host: 'PATCHHIVE_HOST',
  port: 'PATCHHIVE_PORT',
  logLevel: 'PATCHHIVE_LOG_LEVEL',
  proxy: 'PATCHHIVE_PROXY',
};

/** The Markdown reference of every server setting. */
export function configReference(): string {
  const js = z.toJSONSchema(serverConfigSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { description?: string; default?: unknown; type?: string; enum?: string[] }>;
  };
  const rows = Object.entries(js.properties).map(([key, p]) => {
    const type = p.enum ? p.enum.join(' \\| ') : (p.type ?? 'object');
    const def = p.default === undefined ? '' : `\`${JSON.stringify(p.default)}\``;
    return `| \`${key}\` | ${ENV[key] ? `\`${ENV[key]}\`` : ''} | ${type} | ${def} | ${(p.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return [
    '# Server configuration',
    '',
    '<!-- Generated from src/server/config.ts by `npm run docs`; a test fails when this file is stale. -->',
    '',
    '`patchhive serve` reads, in order (later wins): a JSON file given with `--config FILE`, the',
    'environment variables below, and its flags (`--data-dir`, `--database`, `--host`, `--port`, `--tls-cert`, `--tls-key`, `--log-level`).',
    'Unknown keys in the file are refused.',
    '',
    '| key | environment | type | default | meaning |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'Feeds also honour `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` when `proxy` is not set.',
    '',
  ].join('\n');
}
