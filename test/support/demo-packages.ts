/**
 * A local test package for rollout tests: `patchhive-demo` 1.0 (installs one file) and 1.1, whose
 * postinst fails to configure on a machine that has /etc/patchhive-demo/fail — "a fix that breaks
 * on some machines". Built with the host's dpkg-deb and served to a chroot as a trusted local apt
 * repository (file:/srv/patchhive-demo-repo), next to the real Debian sources.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './debian-machines.js';

export const DEMO_PACKAGE = 'patchhive-demo';
export const DEMO_OLD = '1.0';
export const DEMO_NEW = '1.1';
/** Where, inside a chroot, the marker lives that makes 1.1's postinst fail. */
export const DEMO_FAIL_MARKER = 'etc/patchhive-demo/fail';
const REPO_IN_CHROOT = 'srv/patchhive-demo-repo';
const SOURCES_FILE = 'etc/apt/sources.list.d/patchhive-demo.list';

/** Where a marker makes 1.1's postinst take a while (it first creates DEMO_CONFIGURING), so a test can kill the agent mid-install. */
export const DEMO_SLOW_MARKER = 'etc/patchhive-demo/slow';
export const DEMO_CONFIGURING = 'run/patchhive-demo.configuring';

const POSTINST_11 = `#!/bin/sh
set -e
if [ "$1" = configure ] && [ -e /${DEMO_SLOW_MARKER} ]; then
  touch /${DEMO_CONFIGURING}
  sleep 8
fi
if [ "$1" = configure ] && [ -e /${DEMO_FAIL_MARKER} ]; then
  echo "patchhive-demo: refusing to configure on this machine" >&2
  exit 1
fi
exit 0
`;

/** Builds both versions into `dir`; returns the .deb paths (old, new). */
export async function buildDemoDebs(dir: string): Promise<{ old: string; new: string }> {
  const out: string[] = [];
  for (const version of [DEMO_OLD, DEMO_NEW]) {
    const tree = path.join(dir, `tree-${version}`);
    await mkdir(path.join(tree, 'DEBIAN'), { recursive: true });
    await mkdir(path.join(tree, 'usr/share/patchhive-demo'), { recursive: true });
    await writeFile(path.join(tree, 'usr/share/patchhive-demo/version'), `${version}\n`);
    await writeFile(
      path.join(tree, 'DEBIAN/control'),
      [
        `Package: ${DEMO_PACKAGE}`,
        `Version: ${version}`,
        'Architecture: all',
        'Maintainer: Patchhive tests <tests@patchhive.invalid>',
        'Description: Patchhive rollout test package',
        ' Installs one file; 1.1 fails to configure where /etc/patchhive-demo/fail exists.',
        '',
      ].join('\n'),
    );
    if (version === DEMO_NEW) {
      await writeFile(path.join(tree, 'DEBIAN/postinst'), POSTINST_11);
      await chmod(path.join(tree, 'DEBIAN/postinst'), 0o755);
    }
    const deb = path.join(dir, `${DEMO_PACKAGE}_${version}_all.deb`);
    await runCommand('dpkg-deb', ['--root-owner-group', '--build', tree, deb]);
    out.push(deb);
  }
  return { old: out[0]!, new: out[1]! };
}

/** A "Packages" stanza for one .deb: its control fields plus Filename, Size and SHA256. */
async function stanza(deb: string): Promise<string> {
  const { stdout } = await runCommand('dpkg-deb', ['-f', deb]);
  const bytes = await readFile(deb);
  return `${stdout.trimEnd()}\nFilename: ./${path.basename(deb)}\nSize: ${bytes.length}\nSHA256: ${createHash('sha256').update(bytes).digest('hex')}\n`;
}

/**
 * Copies the .debs into the chroot as a flat trusted repository, adds it to apt's sources, reads
 * only that source's index (the Debian lists stay as they are), and installs the old version.
 */
export async function installDemoRepo(root: string, debs: { old: string; new: string }): Promise<void> {
  const repo = path.join(root, REPO_IN_CHROOT);
  await mkdir(repo, { recursive: true });
  const stanzas: string[] = [];
  for (const deb of [debs.old, debs.new]) {
    await copyFile(deb, path.join(repo, path.basename(deb)));
    stanzas.push(await stanza(deb));
  }
  await writeFile(path.join(repo, 'Packages'), stanzas.join('\n'));
  await writeFile(path.join(root, SOURCES_FILE), `deb [trusted=yes] file:/${REPO_IN_CHROOT} ./\n`);
  await runCommand('chroot', [
    root,
    'apt-get',
    'update',
    '-o',
    `Dir::Etc::sourcelist=${SOURCES_FILE.replace('etc/apt/', '')}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    'APT::Get::List-Cleanup=0',
  ]);
  await runCommand('chroot', [root, 'apt-get', 'install', '-y', `${DEMO_PACKAGE}=${DEMO_OLD}`]);
}

/** Makes 1.1's postinst fail on this machine (or not). */
export function setDemoFailure(root: string, fail: boolean): Promise<void> {
  return setMarker(root, DEMO_FAIL_MARKER, fail, 'rollout test: patchhive-demo 1.1 fails to configure here');
}

/** Makes 1.1's postinst slow on this machine (or not). */
export function setDemoSlow(root: string, slow: boolean): Promise<void> {
  return setMarker(root, DEMO_SLOW_MARKER, slow, 'rollout test: patchhive-demo 1.1 configures slowly here');
}

async function setMarker(root: string, rel: string, on: boolean, text: string): Promise<void> {
  const marker = path.join(root, rel);
  if (on) {
    await mkdir(path.dirname(marker), { recursive: true });
    await writeFile(marker, `${text}\n`);
  } else {
    await rm(marker, { force: true });
  }
}
