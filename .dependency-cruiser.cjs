/**
 * The layer rules of docs/ARCHITECTURE.md ("Layers"), checked by dependency-cruiser in the test
 * suite (src/architecture.test.ts). Paths are relative to the repository root; every rule is an
 * error. Type-only imports count: a type import is still a dependency and still makes a cycle.
 */

/** The pure cores: plain functions and data, no I/O, no clock (report/pdf.ts drives Chromium). */
const PURE_CORE =
  '^src/(versions|detect|policy|rollout|protocol|report)/|^src/(catalog|inventory)/model\\.ts$|^src/errors\\.ts$';
const PURE_CORE_EXCEPT = '^src/report/pdf\\.ts$';
/** Tests and their helpers may wire layers together (a test signs on the server and verifies on the agent). */
const TEST_CODE = '\\.test\\.ts$|(^|/)test-[^/]*\\.ts$|-test-support\\.ts$|(^|/)test-support\\.ts$';
/** What does I/O: the store, the server, the CLI, the agent; files, sockets, processes, databases, browsers. */
const IO_LAYERS = '^src/(store|server|cli|agent)/';
const IO_BUILTINS =
  '^(node:)?(fs|fs/promises|net|tls|http|https|http2|child_process|dgram|dns|worker_threads|cluster|readline)$';
const IO_PACKAGES =
  '^(undici|pg|better-sqlite3|kysely|fastify|@fastify/.*|nodemailer|playwright-core|croner|pino|prom-client)$';
/** What the agent may import directly besides libraries. */
const AGENT_MAY_IMPORT = '^src/(agent|protocol|inventory|common)/|^src/errors\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles, type-only ones included: each module builds on modules below it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-core-imports-no-io',
      comment: 'A pure core imports no I/O layer, no I/O module of Node and no I/O library.',
      severity: 'error',
      from: { path: PURE_CORE, pathNot: `${PURE_CORE_EXCEPT}|${TEST_CODE}` },
      to: { path: `${IO_LAYERS}|${IO_BUILTINS}|${IO_PACKAGES}` },
    },
    {
      name: 'pure-core-reaches-no-io',
      comment: 'Nor does anything a pure core imports, however indirectly (a shared helper that reads files, say).',
      severity: 'error',
      from: { path: PURE_CORE, pathNot: `${PURE_CORE_EXCEPT}|${TEST_CODE}` },
      to: { reachable: true, path: `${IO_LAYERS}|${IO_BUILTINS}|${IO_PACKAGES}` },
    },
    {
      name: 'agent-imports-only-its-layers',
      comment:
        'src/agent imports only src/agent, src/protocol, src/inventory, src/common, src/errors.ts and libraries (tests included).',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { path: '^src/', pathNot: AGENT_MAY_IMPORT },
    },
    {
      name: 'agent-reaches-no-server-code',
      comment: 'Nothing the agent imports, however indirectly, pulls in server-side code.',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { reachable: true, path: '^src/(server|store|detect|catalog|cli|report|policy|rollout)/' },
    },
    {
      name: 'agent-imports-resolve',
      comment:
        'Every import of the agent resolves to a file or a library (no "#internal" or absolute paths that could reach project code).',
      severity: 'error',
      from: { path: '^src/agent/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'only-the-cli-runs-the-agent',
      comment:
        'The agent is started by the CLI; nothing else imports it (the server shares helpers through src/common).',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(agent|cli)/|${TEST_CODE}` },
      to: { path: '^src/agent/' },
    },
    {
      name: 'only-the-cli-starts-the-server',
      comment: 'Server code is imported by the server and by the CLI (serve) only.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(server|cli)/|${TEST_CODE}` },
      to: { path: '^src/server/' },
    },
    {
      name: 'nothing-imports-the-cli',
      comment: 'The CLI is the outermost layer.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/cli/|${TEST_CODE}` },
      to: { path: '^src/cli/' },
    },
    {
      name: 'store-imports-no-server',
      comment:
        'The store implements its ports over the pure models; it knows nothing of the server, the CLI or the agent.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(server|cli|agent)/' },
    },
    {
      name: 'services-import-no-http',
      comment:
        'Below the HTTP layer (services, auth, notify, sync, assessment, ...) nothing imports src/server/http; only the wiring (server.ts) does.',
      severity: 'error',
      from: { path: '^src/server/', pathNot: '^src/server/(http/|server\\.ts$)' },
      to: { path: '^src/server/http/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
