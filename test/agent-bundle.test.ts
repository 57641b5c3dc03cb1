/**
 * The packaged agent's bundle (scripts/package-agent.ts) holds only what `patchhive-agent` needs:
 * its libraries are commander, undici and zod, and no server, store or browser code — nothing a
 * machine without Node.js and without native addons could not run.
 */
import { describe, expect, it } from 'vitest';
import { ALLOWED_BUNDLE_PACKAGES, bundleAgent } from '../scripts/package-agent.js';

describe('the agent bundle', () => {
  it('reaches only the agent, the protocol, the inventory collectors and three pure-JavaScript libraries', async () => {
    const { code, packages, sources } = await bundleAgent('9.9.9-test');
    expect(packages).toEqual(ALLOWED_BUNDLE_PACKAGES);
    expect(
      sources.filter(
        (s) =>
          !/^src\/(agent|protocol|inventory|common)\/|^src\/errors\.ts$|^src\/cli\/(agent-main|report-error|commands\/agent)\.ts$/.test(
            s,
          ),
      ),
    ).toEqual([]);
    expect(sources).not.toContain('src/cli/main.ts');
    expect(code).toContain('"9.9.9-test"');
    expect(code).not.toMatch(/better-sqlite3|playwright|fastify/);
  });
});
