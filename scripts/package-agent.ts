/**
 * `npm run package`: the installable agent.
 *
 * 1. Bundles the agent's entry point (src/cli/agent-main.ts: `patchhive-agent enroll|run`) with
 *    esbuild into one CommonJS file. The bundle must hold only the agent: no native addons, no
 *    server, store or browser code (checked below and in test/agent-bundle.test.ts).
 * 2. Makes it a Node.js single executable application (SEA): `node --experimental-sea-config`
 *    writes the preparation blob, which postject injects into a copy of the Node.js binary that
 *    runs this script. The machine that installs the package needs no Node.js.
 * 3. Packs the executable, the systemd unit, the default configuration and the documentation into
 *    a .deb (dpkg-deb) and an .rpm (rpmbuild) from packaging/.
 *
 * Everything is keyed by a hash of the inputs (bundle, Node binary, packaging files) and kept under
 * .cache/agent-package/<hash>/, so a second run (or the e2e tests) reuses it. The packages are
 * copied to dist-package/ (or --out DIR). Needs dpkg-deb and rpmbuild.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'src/cli/agent-main.ts');
/** Bumped when the packaging steps change in a way the hashed inputs do not show. */
const FORMAT = 1;
export const PACKAGE_NAME = 'patchhive-agent';
/** Debian revision / RPM release of packages built from this tree. */
const RELEASE = '1';
const MAINTAINER = process.env.PATCHHIVE_PACKAGE_MAINTAINER ?? 'Patchhive <packaging@patchhive.invalid>';
/** The sentinel Node.js looks for to know it carries a SEA blob (Node's documentation). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** What the bundle may contain from node_modules: anything else is a mistake (a server or native dependency). */
export const ALLOWED_BUNDLE_PACKAGES = ['commander', 'undici', 'zod'];
/** Project code the bundle must never contain. */
const FORBIDDEN_SOURCE = /^src\/(server|store|detect|catalog|report|policy|rollout|oval)\//;

/** Files the packages are made of, beside the bundle and the Node binary (relative to the repo). */
const PACKAGING_FILES = [
  'packaging/systemd/patchhive-agent.service',
  'packaging/deb/postinst',
  'packaging/deb/prerm',
  'packaging/deb/postrm',
  'packaging/rpm/patchhive-agent.spec',
  'packaging/etc/agent-policy.json',
  'packaging/etc/patchhive-agent.env',
  'packaging/agent-policy.example.json',
  'docs/AGENT.md',
  'scripts/package-agent.ts',
];

export interface AgentPackages {
  /** The version of the packages (package.json's). */
  version: string;
  /** The self-contained executable (`patchhive-agent`). */
  binary: string;
  deb: string;
  rpm: string;
  /** The input hash: the cache key. */
  hash: string;
  /** False when this call built them. */
  reused: boolean;
  /** The Node.js version inside the executable. */
  nodeVersion: string;
}

export interface PackageOptions {
  /** Where the built packages are kept, one directory per input hash. */
  cacheDir?: string;
  log?: (line: string) => void;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(
              `${cmd} ${args.join(' ')} failed: ${String(stderr || err.message)
                .trim()
                .slice(-2000)}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const DEB_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
const RPM_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64' };

/** The bundle of the agent's entry point, and the packages it drew from node_modules; refuses anything beyond the agent's. */
export async function bundleAgent(version: string): Promise<{ code: string; packages: string[]; sources: string[] }> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    metafile: true,
    legalComments: 'inline',
    define: { __PATCHHIVE_VERSION__: JSON.stringify(version) },
    // agent.ts reads package.json through import.meta.url only when __PATCHHIVE_VERSION__ is not defined
    logOverride: { 'empty-import-meta': 'silent' },
    logLevel: 'error',
    absWorkingDir: ROOT,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const packages = [
    ...new Set(
      inputs
        .filter((i) => i.startsWith('node_modules/'))
        .map((i) => {
          const parts = i.split('/');
          return parts[1]!.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]!;
        }),
    ),
  ].sort();
  const sources = inputs.filter((i) => i.startsWith('src/')).sort();
  const extra = packages.filter((p) => !ALLOWED_BUNDLE_PACKAGES.includes(p));
  const forbidden = sources.filter((s) => FORBIDDEN_SOURCE.test(s));
  if (extra.length > 0 || forbidden.length > 0 || inputs.some((i) => i.endsWith('.node'))) {
    throw new Error(`the agent bundle reaches code it must not contain: ${[...extra, ...forbidden].join(', ')}`);
  }
  return { code: result.outputFiles[0]!.text, packages, sources };
}

async function inputHash(version: string, bundle: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`format ${FORMAT}\nversion ${version}\nnode ${process.version} ${process.platform} ${process.arch}\n`);
  hash.update(`node binary ${await sha256File(process.execPath)}\n`);
  hash.update(`bundle ${createHash('sha256').update(bundle).digest('hex')}\n`);
  for (const f of PACKAGING_FILES)
    hash.update(
      `${f} ${createHash('sha256')
        .update(await readFile(path.join(ROOT, f)))
        .digest('hex')}\n`,
    );
  return hash.digest('hex');
}

/** Makes the SEA executable `out` from the bundle in `work`. */
async function makeExecutable(work: string, bundle: string, out: string): Promise<void> {
  await writeFile(path.join(work, 'agent.cjs'), bundle);
  const config = {
    main: path.join(work, 'agent.cjs'),
    output: path.join(work, 'agent.blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  };
  await writeFile(path.join(work, 'sea-config.json'), JSON.stringify(config));
  await run(process.execPath, ['--experimental-sea-config', path.join(work, 'sea-config.json')], { cwd: work });
  await copyFile(process.execPath, out);
  await chmod(out, 0o755);
  const postject = createRequire(path.join(ROOT, 'package.json')).resolve('postject/dist/cli.js');
  await run(process.execPath, [
    postject,
    out,
    'NODE_SEA_BLOB',
    path.join(work, 'agent.blob'),
    '--sentinel-fuse',
    SEA_FUSE,
  ]);
}

/** Lays out the files both packages install, under `tree` (the environment file's place differs). */
async function stageTree(tree: string, binary: string, unitDir: string, envFile: string): Promise<void> {
  const put = async (from: string, to: string, mode: number) => {
    const dest = path.join(tree, to);
    await mkdir(path.dirname(dest), { recursive: true, mode: 0o755 });
    await copyFile(from, dest);
    await chmod(dest, mode);
  };
  await put(binary, 'usr/bin/patchhive-agent', 0o755);
  await put(path.join(ROOT, 'packaging/systemd/patchhive-agent.service'), `${unitDir}/patchhive-agent.service`, 0o644);
  await put(path.join(ROOT, 'packaging/etc/agent-policy.json'), 'etc/patchhive/agent-policy.json', 0o644);
  await put(path.join(ROOT, 'packaging/etc/patchhive-agent.env'), envFile, 0o644);
  await put(path.join(ROOT, 'docs/AGENT.md'), 'usr/share/doc/patchhive-agent/AGENT.md', 0o644);
  await put(
    path.join(ROOT, 'packaging/agent-policy.example.json'),
    'usr/share/doc/patchhive-agent/agent-policy.example.json',
    0o644,
  );
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

async function buildDeb(work: string, binary: string, version: string, nodeVersion: string): Promise<string> {
  const arch = DEB_ARCH[process.arch];
  if (!arch) throw new Error(`no Debian architecture for ${process.arch}`);
  const tree = path.join(work, 'deb');
  // Debian 12 ships units in /lib/systemd/system (dpkg does not yet see /lib and /usr/lib as one)
  await stageTree(tree, binary, 'lib/systemd/system', 'etc/default/patchhive-agent');
  const files = await listFiles(tree);
  let bytes = 0;
  const sums: string[] = [];
  for (const f of files) {
    bytes += (await stat(f)).size;
    if (!f.startsWith(path.join(tree, 'etc/'))) {
      const md5 = createHash('md5');
      for await (const chunk of createReadStream(f)) md5.update(chunk as Buffer);
      sums.push(`${md5.digest('hex')}  ${path.relative(tree, f)}`);
    }
  }
  await mkdir(path.join(tree, 'DEBIAN'), { mode: 0o755 });
  const control = [
    `Package: ${PACKAGE_NAME}`,
    `Version: ${version}-${RELEASE}`,
    `Architecture: ${arch}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${Math.ceil(bytes / 1024)}`,
    // what the embedded Node.js runtime links against
    'Depends: libc6 (>= 2.28), libgcc-s1, libstdc++6',
    'Section: admin',
    'Priority: optional',
    'Description: Patchhive agent: inventory check-ins and signed patch jobs',
    ' The Patchhive agent enrolls a machine with a Patchhive server, reports its inventory,',
    ' and runs the signed jobs the server hands out (apt installs of exact versions, rollbacks,',
    ' reboots), checked against the local policy /etc/patchhive/agent-policy.json.',
    ` A self-contained executable (a Node.js ${nodeVersion} single executable application):`,
    ' the machine needs no Node.js.',
  ];
  await writeFile(path.join(tree, 'DEBIAN/control'), `${control.join('\n')}\n`);
  await writeFile(
    path.join(tree, 'DEBIAN/conffiles'),
    '/etc/default/patchhive-agent\n/etc/patchhive/agent-policy.json\n',
  );
  await writeFile(path.join(tree, 'DEBIAN/md5sums'), `${sums.sort().join('\n')}\n`);
  for (const s of ['postinst', 'prerm', 'postrm']) {
    await copyFile(path.join(ROOT, 'packaging/deb', s), path.join(tree, 'DEBIAN', s));
    await chmod(path.join(tree, 'DEBIAN', s), 0o755);
  }
  for (const f of ['control', 'conffiles', 'md5sums']) await chmod(path.join(tree, 'DEBIAN', f), 0o644);
  const deb = path.join(work, `${PACKAGE_NAME}_${version}-${RELEASE}_${arch}.deb`);
  // gzip: quick to build, and every dpkg reads it
  await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', tree, deb], {
    env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
  });
  return deb;
}

async function buildRpm(work: string, binary: string, version: string): Promise<string> {
  const arch = RPM_ARCH[process.arch];
  if (!arch) throw new Error(`no RPM architecture for ${process.arch}`);
  const tree = path.join(work, 'rpm-staging');
  await stageTree(tree, binary, 'usr/lib/systemd/system', 'etc/sysconfig/patchhive-agent');
  await mkdir(path.join(tree, 'var/lib/patchhive-agent'), { recursive: true, mode: 0o700 });
  const top = path.join(work, 'rpmbuild');
  await run(
    'rpmbuild',
    [
      '-bb',
      '--target',
      arch,
      '--define',
      `_topdir ${top}`,
      '--define',
      `ph_version ${version}`,
      '--define',
      `ph_release ${RELEASE}`,
      '--define',
      `ph_staging ${tree}`,
      path.join(ROOT, 'packaging/rpm/patchhive-agent.spec'),
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: '0', HOME: work } },
  );
  const rpm = path.join(top, 'RPMS', arch, `${PACKAGE_NAME}-${version}-${RELEASE}.${arch}.rpm`);
  if (!existsSync(rpm)) throw new Error(`rpmbuild did not write ${rpm}`);
  return rpm;
}

/** Builds kept besides the newest: each is ~170 MB (the executable and two packages holding it). */
const KEEP_BUILDS = 3;
/** A build younger than this is never removed: another test process may be reading it. */
const PRUNE_AFTER_MS = 60 * 60_000;

/** Removes old builds from the cache: all but the KEEP_BUILDS newest, and only those older than an hour. */
async function pruneCache(cacheDir: string, current: string, log: (line: string) => void): Promise<void> {
  const builds = [];
  for (const name of await readdir(cacheDir)) {
    if (!/^[0-9a-f]{24}$/.test(name) || path.join(cacheDir, name) === current) continue;
    const st = await stat(path.join(cacheDir, name)).catch(() => undefined);
    if (st?.isDirectory()) builds.push({ name, mtimeMs: st.mtimeMs });
  }
  builds.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const b of builds.slice(KEEP_BUILDS)) {
    if (Date.now() - b.mtimeMs < PRUNE_AFTER_MS) continue;
    log(`removing the old build ${b.name}`);
    await rm(path.join(cacheDir, b.name), { recursive: true, force: true });
  }
}

interface Done {
  format: number;
  version: string;
  nodeVersion: string;
  binary: string;
  deb: string;
  rpm: string;
}

/** Builds the executable, the .deb and the .rpm (or reuses them: same inputs, same hash). */
export async function packageAgent(opts: PackageOptions = {}): Promise<AgentPackages> {
  const cacheDir = opts.cacheDir ?? path.join(ROOT, '.cache/agent-package');
  const log = opts.log ?? ((line: string) => void process.stderr.write(`package-agent: ${line}\n`));
  const version = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const { code } = await bundleAgent(version);
  const hash = await inputHash(version, code);
  const dir = path.join(cacheDir, hash.slice(0, 24));
  const result = (d: Done, reused: boolean): AgentPackages => ({
    version: d.version,
    nodeVersion: d.nodeVersion,
    binary: path.join(dir, d.binary),
    deb: path.join(dir, d.deb),
    rpm: path.join(dir, d.rpm),
    hash,
    reused,
  });
  const done = await readFile(path.join(dir, 'done.json'), 'utf8').then(
    (t) => JSON.parse(t) as Done,
    () => undefined,
  );
  if (done?.format === FORMAT) return result(done, true);

  const missing = ['dpkg-deb', 'rpmbuild'].filter(
    (t) => !(process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(path.join(d, t))),
  );
  if (missing.length > 0)
    throw new Error(
      `${missing.join(' and ')} not found: install the dpkg and rpm packages (Debian/Ubuntu: apt-get install dpkg rpm)`,
    );
  await mkdir(cacheDir, { recursive: true });
  const work = path.join(cacheDir, `build-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(work);
  try {
    const started = Date.now();
    log(`building the agent (Node.js ${process.version} single executable application) in ${work}`);
    const binary = path.join(work, PACKAGE_NAME);
    await makeExecutable(work, code, binary);
    const said = (await run(binary, ['--version'])).trim();
    if (said !== version)
      throw new Error(`the built executable says its version is ${JSON.stringify(said)}, not ${version}`);
    const deb = await buildDeb(work, binary, version, process.version);
    const rpm = await buildRpm(work, binary, version);
    // only what is kept: the executable and the two packages
    const final = path.join(work, 'out');
    await mkdir(final);
    for (const f of [binary, deb, rpm]) await rename(f, path.join(final, path.basename(f)));
    const record: Done = {
      format: FORMAT,
      version,
      nodeVersion: process.version,
      binary: PACKAGE_NAME,
      deb: path.basename(deb),
      rpm: path.basename(rpm),
    };
    await writeFile(path.join(final, 'done.json'), `${JSON.stringify(record, null, 2)}\n`);
    await rename(final, dir).catch(async (err: NodeJS.ErrnoException) => {
      // another process finished the same build first: keep its copy
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
    log(`built ${record.deb} and ${record.rpm} in ${Math.round((Date.now() - started) / 1000)} s`);
    await pruneCache(cacheDir, dir, log);
    return result(record, false);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const outIndex = argv.indexOf('--out');
  const out = path.resolve(outIndex >= 0 && argv[outIndex + 1] ? argv[outIndex + 1]! : path.join(ROOT, 'dist-package'));
  const built = await packageAgent();
  await mkdir(out, { recursive: true });
  for (const f of [built.binary, built.deb, built.rpm]) await copyFile(f, path.join(out, path.basename(f)));
  process.stdout.write(
    `${[built.deb, built.rpm, built.binary].map((f) => path.join(out, path.basename(f))).join('\n')}\n`,
  );
  if (built.reused)
    process.stderr.write(`package-agent: unchanged inputs: reused .cache/agent-package/${built.hash.slice(0, 24)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`package-agent: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
