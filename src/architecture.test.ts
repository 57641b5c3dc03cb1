/**
 * The layer rules (docs/ARCHITECTURE.md, "Layers"; .dependency-cruiser.cjs) hold on the real tree,
 * and the check really fails when one is broken: each rule is shown catching a planted import in a
 * small fixture tree checked with the same configuration.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
  cycle?: { name: string }[];
}

interface CruiseSummary {
  violations: Violation[];
  modules: string[];
}

/** Runs dependency-cruiser over `src` of `root` with the project's rules. */
async function cruise(root: string): Promise<CruiseSummary> {
  const args = [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json', '--no-progress'];
  // Violations give exit status > 0: the JSON on stdout is the answer either way.
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string; stderr?: string }) => {
    if (!err.stdout) throw new Error(`dependency-cruiser failed: ${err.stderr ?? inspect(err)}`);
    return { stdout: err.stdout };
  });
  const out = JSON.parse(stdout) as { summary: { violations: Violation[] }; modules: { source: string }[] };
  return { violations: out.summary.violations, modules: out.modules.map((m) => m.source) };
}

const describeViolation = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}`;

describe('the layer rules', () => {
  it('hold on the real tree', async () => {
    const { violations, modules } = await cruise(ROOT);
    expect(violations.map(describeViolation)).toEqual([]);
    // the check really looked: the agent, the server, the store, the cores and the CLI were cruised
    expect(modules).toEqual(
      expect.arrayContaining([
        'src/agent/run.ts',
        'src/server/server.ts',
        'src/store/ports.ts',
        'src/detect/evaluate.ts',
        'src/cli/main.ts',
      ]),
    );
  });

  describe('fail on planted forbidden imports', () => {
    let root: string;
    let result: CruiseSummary;

    const files: Record<string, string> = {
      // allowed: a core on a core, the agent on the protocol, services on the store, the wiring on HTTP
      'src/detect/evaluate.ts': "import type { Bulletin } from '../catalog/model.js';\nexport type B = Bulletin;\n",
      'src/catalog/model.ts': 'export interface Bulletin { id: string }\n',
      'src/protocol/agent.ts': "import { z } from './z.js';\nexport const s = z;\n",
      'src/protocol/z.ts': 'export const z = 1;\n',
      'src/agent/run.ts':
        "import { s } from '../protocol/agent.js';\nimport { y } from '../inventory/collect.js';\nexport const r = [s, y];\n",
      'src/server/server.ts': "import { routes } from './http/routes.js';\nexport const app = routes;\n",
      'src/server/http/routes.ts': "import { svc } from '../services/machines.js';\nexport const routes = svc;\n",
      'src/server/services/machines.ts':
        "import type { Store } from '../../store/ports.js';\nexport const svc = 1;\nexport type S = Store;\n",
      'src/store/ports.ts': 'export interface Store { kind: string }\n',
      'src/cli/main.ts':
        "import { app } from '../server/server.js';\nimport { r } from '../agent/run.js';\nexport const main = [app, r];\n",
      // forbidden, one per rule
      'src/rollout/model.ts': "import type { Store } from '../store/ports.js';\nexport type M = Store;\n",
      'src/policy/deadlines.ts': "import { helper } from '../common/reads-files.js';\nexport const d = helper;\n",
      'src/common/reads-files.ts': "import { readFileSync } from 'node:fs';\nexport const helper = readFileSync;\n",
      'src/versions/dpkg.ts': "import { readFile } from 'node:fs/promises';\nexport const v = readFile;\n",
      'src/agent/client.ts': "import { svc } from '../server/services/machines.js';\nexport const c = svc;\n",
      'src/inventory/collect.ts': "export { evaluate } from '../detect/engine.js';\nexport const y = 1;\n",
      'src/detect/engine.ts': 'export const evaluate = 1;\n',
      'src/agent/dynamic.ts': "export const load = () => import('../store/open.js');\n",
      'src/store/open.ts': 'export const open = 1;\n',
      'src/agent/internal.ts': "import { w } from '#internal';\nexport const i = w;\n",
      'src/server/notify/retry.ts': "import { r } from '../../agent/run.js';\nexport const retry = r;\n",
      'src/server/services/tokens.ts': "import type { Caller } from '../http/route.js';\nexport type T = Caller;\n",
      'src/server/http/route.ts': 'export type Caller = { kind: string };\n',
      'src/store/kysely-store.ts': "import { svc } from '../server/services/machines.js';\nexport const k = svc;\n",
      'src/report/tally.ts': "import { main } from '../cli/main.js';\nexport const t = main;\n",
      'src/server/auth/scope.ts': "import type { G } from '../services/groups.js';\nexport type Scope = { g: G };\n",
      'src/server/services/groups.ts':
        "import type { Scope } from '../auth/scope.js';\nexport type G = { s?: Scope };\n",
    };

    beforeAll(async () => {
      root = mkdtempSync(path.join(os.tmpdir(), 'patchhive-layers-'));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), text);
      }
      copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
      result = await cruise(root);
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it.each([
      [
        'pure-core-imports-no-io: src/rollout/model.ts → src/store/ports.ts',
        'a type-only import of the store by a pure core',
      ],
      [
        'pure-core-reaches-no-io: src/policy/deadlines.ts → fs',
        'a pure core reaching the file system through a helper',
      ],
      ['pure-core-imports-no-io: src/versions/dpkg.ts → fs/promises', 'a pure core reading files'],
      [
        'agent-imports-only-its-layers: src/agent/client.ts → src/server/services/machines.ts',
        'the agent importing server code',
      ],
      [
        'agent-reaches-no-server-code: src/agent/run.ts → src/detect/engine.ts',
        'the agent reaching the engine through the inventory',
      ],
      ['agent-imports-only-its-layers: src/agent/dynamic.ts → src/store/open.ts', 'a dynamic import by the agent'],
      ['agent-imports-resolve: src/agent/internal.ts → #internal', 'an agent import that resolves to nothing known'],
      ['only-the-cli-runs-the-agent: src/server/notify/retry.ts → src/agent/run.ts', 'the server borrowing agent code'],
      [
        'services-import-no-http: src/server/services/tokens.ts → src/server/http/route.ts',
        'a service importing HTTP types',
      ],
      [
        'store-imports-no-server: src/store/kysely-store.ts → src/server/services/machines.ts',
        'the store importing a service',
      ],
      ['nothing-imports-the-cli: src/report/tally.ts → src/cli/main.ts', 'a core importing the CLI'],
      ['no-cycles: src/server/auth/scope.ts → src/server/services/groups.ts', 'a type-only cycle'],
    ])('catches %s (%s)', (expected) => {
      expect(result.violations.map(describeViolation)).toContain(expected);
    });

    it('reports nothing on the allowed imports of the fixture', () => {
      const allowedFrom = [
        'src/detect/evaluate.ts',
        'src/protocol/agent.ts',
        'src/server/server.ts',
        'src/server/http/routes.ts',
        'src/server/services/machines.ts',
        'src/cli/main.ts',
      ];
      expect(result.violations.filter((v) => allowedFrom.includes(v.from)).map(describeViolation)).toEqual([]);
    });
  });
});
