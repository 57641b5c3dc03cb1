/**
 * package.json `engines.node` tells the truth: every Node version it admits is admitted by every
 * runtime dependency that is installed (package-lock.json), save the exceptions below, each with
 * the reason it does not hold back the range. The Node running the tests must be in the range.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<
    string,
    { version?: string; dev?: boolean; optional?: boolean; engines?: { node?: string } | string[] }
  >;
};

/**
 * Declared ranges narrower than ours that do not bind: the package's code runs on all of ours.
 * cookie@2 (through fastify → light-my-request, used only by fastify.inject) is an ES module; it
 * says Node ≥ 22 for CommonJS callers' require(), which Node 20.19+ has too (unflagged require(esm)),
 * hence our ^20.19.0 floor. Its code uses nothing newer.
 */
const EXCEPTIONS: Record<string, string> = { cookie: '>=22' };

describe('engines.node', () => {
  const ours = pkg.engines.node;

  it('admits the Node running the tests', () => {
    expect(semver.satisfies(process.version, ours), `${process.version} not in ${ours}`).toBe(true);
  });

  it('is within every runtime dependency’s engines (save the listed exceptions)', () => {
    const narrower: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      if (where === '' || entry.dev) continue;
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!range) continue;
      const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
      if (EXCEPTIONS[name] === range) continue;
      if (!semver.subset(ours, range, { includePrerelease: false }))
        narrower.push(`${name}@${entry.version}: ${range}`);
    }
    expect(narrower).toEqual([]);
  });
});
