/**
 * The Debian release of the host the server runs on: the default release of a Debian Security
 * Tracker source added without one (the tracker feed lists every release; a source reads one).
 */
import { readFile } from 'node:fs/promises';
import { parseOsRelease } from '../inventory/os-facts.js';

/** The codename in `/etc/os-release` (e.g. "bookworm") when the host is Debian; undefined otherwise or when unreadable. */
export async function hostDebianRelease(osReleaseFile = '/etc/os-release'): Promise<string | undefined> {
  const text = await readFile(osReleaseFile, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const facts = parseOsRelease(text);
  if (facts.ID !== 'debian') return undefined;
  const codename = facts.VERSION_CODENAME ?? '';
  return /^[a-z][a-z0-9-]{1,39}$/.test(codename) ? codename : undefined;
}
