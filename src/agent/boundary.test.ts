/**
 * The agent's import boundary (DESIGN.md): code under src/agent imports only src/protocol,
 * src/inventory, src/common, src/errors.ts and libraries — and nothing it reaches, however
 * indirectly, may pull in server-side code (server, store, detect, catalog, ...).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where src/agent files may import from directly (relative to src/). */
const DIRECT_ALLOWED = ['agent/', 'protocol/', 'inventory/', 'common/', 'errors.ts'];
/** What nothing in the agent's import closure may reach. */
const NEVER_REACHED = ['server/', 'store/', 'detect/', 'catalog/', 'cli/', 'report/', 'policy/', 'rollout/', 'oval/'];

/** Every import specifier of a TypeScript file: static, re-exports, `import type`, dynamic import() and require(). */
function importSpecifiers(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

/** A relative specifier ("./x.js") resolved to its .ts source, as NodeNext + tsx do. */
function resolveRelative(from: string, spec: string): string {
  const target = path.resolve(path.dirname(from), spec);
  const candidates = [target.replace(/\.js$/, '.ts'), `${target}.ts`, path.join(target, 'index.ts'), target];
  return candidates.find((c) => existsSync(c) && !c.endsWith('/')) ?? target;
}

function isLibrary(spec: string): boolean {
  if (spec.startsWith('node:') || builtinModules.includes(spec)) return true;
  // a bare package name; "#..." subpath imports and absolute paths could reach project code
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]+)?$/i.test(spec) && !spec.startsWith('patchhive');
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts'))
    .map((d) => path.join(d.parentPath, d.name));
}

interface BoundaryViolation {
  file: string;
  spec: string;
  why: string;
}

/** Checks the boundary for every .ts file under `srcRoot/agent`, following relative imports transitively. */
function checkAgentBoundary(srcRoot: string): { violations: BoundaryViolation[]; reached: string[] } {
  const rel = (f: string) => path.relative(srcRoot, f).split(path.sep).join('/');
  const violations: BoundaryViolation[] = [];
  const seen = new Set<string>();
  const queue = listTs(path.join(srcRoot, 'agent'));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const inAgent = rel(file).startsWith('agent/');
    for (const spec of importSpecifiers(file)) {
      if (!spec.startsWith('.')) {
        if (!isLibrary(spec)) violations.push({ file: rel(file), spec, why: 'neither a relative import nor a library' });
        continue;
      }
      const target = resolveRelative(file, spec);
      const t = rel(target);
      if (t.startsWith('..')) violations.push({ file: rel(file), spec, why: 'leaves src/' });
      else if (NEVER_REACHED.some((d) => t.startsWith(d))) violations.push({ file: rel(file), spec, why: `reaches ${t}` });
      else if (inAgent && !DIRECT_ALLOWED.some((d) => (d.endsWith('/') ? t.startsWith(d) : t === d))) {
        violations.push({ file: rel(file), spec, why: `src/agent may not import ${t}` });
      }
      if (existsSync(target) && !t.startsWith('..')) queue.push(target);
    }
  }
  return { violations, reached: [...seen].map(rel).sort() };
}

describe('the agent import boundary', () => {
  it('src/agent and everything it reaches stay clear of server-side code', () => {
    const { violations, reached } = checkAgentBoundary(SRC);
    expect(violations).toEqual([]);
    // the walk really happened: it saw the agent, the protocol and the collectors
    expect(reached).toEqual(expect.arrayContaining(['agent/run.ts', 'protocol/agent.ts', 'inventory/collect-dpkg.ts', 'errors.ts']));
  });

  it('the checker catches direct, transitive, dynamic and type-only violations', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'patchhive-boundary-'));
    try {
      const write = (p: string, text: string) => {
        mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
        writeFileSync(path.join(root, p), text);
      };
      write('agent/a.ts', "import { x } from '../server/app.js';\nimport 'undici';\n");
      write('agent/b.ts', "import { y } from '../inventory/helper.js';\n");
      write('inventory/helper.ts', "export { z } from '../detect/engine.js';\n");
      write('agent/c.ts', "const m = await import('../store/ports.js');\n");
      write('agent/d.ts', "import type { T } from '../catalog/model.js';\n// import '../server/not-really.js'\n");
      write('agent/e.ts', "import { v } from '../versions/index.js';\nimport { w } from '#internal';\n");
      for (const f of ['server/app.ts', 'detect/engine.ts', 'store/ports.ts', 'catalog/model.ts', 'versions/index.ts']) write(f, 'export {};\n');
      const { violations } = checkAgentBoundary(root);
      expect(violations.map((v) => `${v.file} → ${v.spec}`).sort()).toEqual([
        'agent/a.ts → ../server/app.js',
        'agent/c.ts → ../store/ports.js',
        'agent/d.ts → ../catalog/model.js',
        'agent/e.ts → #internal',
        'agent/e.ts → ../versions/index.js',
        'inventory/helper.ts → ../detect/engine.js',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
