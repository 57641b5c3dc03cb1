import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference } from './config-doc.js';
import { loadServerConfig } from './config.js';

describe('configuration', () => {
  it('docs/CONFIG.md is the reference generated from the schema (run `npm run docs` after changing it)', () => {
    expect(readFileSync(new URL('../../docs/CONFIG.md', import.meta.url), 'utf8')).toBe(configReference());
  });

  it('merges file < environment < flags and refuses bad values with one line', () => {
    const cfg = loadServerConfig({
      env: { PATCHHIVE_PORT: '9000', PATCHHIVE_HOST: '0.0.0.0' },
      flags: { port: '9100' },
    });
    expect(cfg.port).toBe(9100);
    expect(cfg.host).toBe('0.0.0.0');
    expect(() => loadServerConfig({ env: { PATCHHIVE_LOG_LEVEL: 'loud' }, flags: {} })).toThrow(/logLevel/);
    expect(() => loadServerConfig({ env: {}, flags: {}, file: '/nonexistent/patchhive.json' })).toThrow(
      /cannot read config/,
    );
  });
});
