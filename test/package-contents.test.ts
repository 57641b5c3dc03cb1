/**
 * What `npm pack` ships: a fresh build (tsconfig.build.json) plus package.json's `files`, packed
 * with `npm pack --dry-run --json` in a scratch copy of the package. No test code may be listed:
 * no test files, test helpers, store contract suite or test data, and no file that imports vitest.
 * A stale test file planted in the scratch dist/ shows that the `files` negations catch what an
 * earlier build left behind.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

/** Paths that are test code by name (the build excludes them; `files` negates them). */
const TEST_PATH =
  /(\.test\.|(^|\/|-)test-support\.|\/testdata\/|\/store\/contract\/|\/agent\/test-server\.|\/report\/test-fleet\.|\/report\/sample-report\.)/;
const IMPORTS_VITEST = /(from\s*['"]vitest['"/]|import\(\s*['"]vitest['"/]|require\(\s*['"]vitest['"/])/;

/** The listed files that are test code, each with the reason. */
function testCodeIn(files: { path: string; text?: string }[]): string[] {
  const bad: string[] = [];
  for (const f of files) {
    if (TEST_PATH.test(f.path)) bad.push(`${f.path}: a test file by name`);
    else if (f.text !== undefined && IMPORTS_VITEST.test(f.text)) bad.push(`${f.path}: imports vitest`);
  }
  return bad;
}

describe('the npm package', () => {
  let dir: string;
  let listed: string[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'patchhive-pack-'));
    const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { files: string[] };
    await run(process.execPath, [
      path.join(repo, 'node_modules/typescript/bin/tsc'),
      '-p',
      path.join(repo, 'tsconfig.build.json'),
      '--outDir',
      path.join(dir, 'dist'),
    ]);
    for (const entry of pkg.files) {
      if (entry.startsWith('!') || entry === 'dist') continue;
      await cp(path.join(repo, entry), path.join(dir, entry), { recursive: true });
    }
    for (const file of ['package.json', 'README.md']) await cp(path.join(repo, file), path.join(dir, file));
    // What an older build may have left in dist/: the negations in `files` must keep it out.
    await mkdir(path.join(dir, 'dist/store/contract'), { recursive: true });
    await writeFile(path.join(dir, 'dist/store/contract/stale.js'), "import { it } from 'vitest';\n");
    await writeFile(path.join(dir, 'dist/report/stale.test.js'), "import { it } from 'vitest';\n");
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: dir,
      maxBuffer: 64 << 20,
    });
    const [result] = JSON.parse(stdout) as { files: { path: string }[] }[];
    listed = result!.files.map((f) => f.path);
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships the CLI and the bundled catalogs', () => {
    expect(listed).toContain('dist/cli/main.js');
    expect(listed).toContain('dist/server/sync/import-worker.js');
    expect(listed.some((p) => p.startsWith('catalogs/'))).toBe(true);
  });

  it('lists no test code: no test file, test helper, contract suite or file importing vitest', async () => {
    const files = await Promise.all(
      listed.map(async (p) => ({
        path: p,
        ...(/\.(js|mjs|cjs)$/.test(p) ? { text: await readFile(path.join(dir, p), 'utf8') } : {}),
      })),
    );
    expect(testCodeIn(files)).toEqual([]);
  });

  it('the check itself catches test code by name and by import', () => {
    expect(
      testCodeIn([
        { path: 'dist/store/contract/users.js' },
        { path: 'dist/agent/jobs/test-support.js' },
        { path: 'dist/server/sync/sync-test-support.js' },
        { path: 'dist/x.test.js' },
        { path: 'dist/cli/helper.js', text: "import { expect } from 'vitest';" },
        { path: 'dist/cli/main.js', text: "import { Command } from 'commander';" },
        { path: 'dist/detect/evaluate-test.js', text: 'export function evaluateTest() {}' },
      ]),
    ).toEqual([
      'dist/store/contract/users.js: a test file by name',
      'dist/agent/jobs/test-support.js: a test file by name',
      'dist/server/sync/sync-test-support.js: a test file by name',
      'dist/x.test.js: a test file by name',
      'dist/cli/helper.js: imports vitest',
    ]);
  });
});
