/** `--release` accepts a codename or a number: both name the same Debian release. */
import type { OsOverrides } from '../inventory/collect-dpkg.js';

const DEBIAN_RELEASES: Record<string, string> = {
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};

/** Turns "bookworm" or "12" into inventory overrides (codename and release number). */
export function releaseOverrides(release: string | undefined): OsOverrides {
  if (!release) return {};
  const byName = DEBIAN_RELEASES[release];
  if (byName) return { codename: release, release: byName };
  const codename = Object.entries(DEBIAN_RELEASES).find(([, n]) => n === release)?.[0];
  return codename ? { codename, release } : { release };
}
