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
  'oidc.clientSecret': 'PATCHHIVE_OIDC_CLIENT_SECRET',
};

interface JsonProperty {
  description?: string;
  default?: unknown;
  type?: string;
  enum?: string[];
  properties?: Record<string, JsonProperty>;
}

// A section (an object of settings) gets its own row, then one row per setting as `section.key`.
function propertyRows(properties: Record<string, JsonProperty>, prefix: string): string[] {
  return Object.entries(properties).flatMap(([name, p]) => {
    const key = prefix + name;
    if (prefix && !p.description) return []; // inner shapes (e.g. a duration object) are described by their section
    const type = p.enum ? p.enum.join(' \\| ') : (p.type ?? 'object');
    const def = p.default === undefined ? '' : `\`${JSON.stringify(p.default)}\``;
    const row = `| \`${key}\` | ${ENV[key] ? `\`${ENV[key]}\`` : ''} | ${type} | ${def} | ${(p.description ?? '').replace(/\|/g, '\\|')} |`;
    return [row, ...(p.properties && p.type === 'object' ? propertyRows(p.properties, `${key}.`) : [])];
  });
}

/** The Markdown reference of every server setting. */
export function configReference(): string {
  const js = z.toJSONSchema(serverConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonProperty;
  const rows = propertyRows(js.properties ?? {}, '');
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
