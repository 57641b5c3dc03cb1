/**
 * Importer for the Debian Security Tracker JSON feed
 * (https://security-tracker.debian.org/tracker/data/json):
 * `{ "<source>": { "<CVE or TEMP id>": { description?, scope?, debianbug?, releases: { "<codename>": {...} } } } }`.
 *
 * One bulletin per CVE that has an entry for the chosen release, one fix per source package.
 * See docs/IMPORTERS.md for the mapping and the status semantics.
 */
import { z } from 'zod';
import { PatchhiveError } from '../../errors.js';
import {
  emptyCatalog,
  severityRank,
  type Bulletin,
  type Catalog,
  type Fix,
  type Reference,
  type Severity,
} from '../model.js';
import { constNode, dpkgSourceTest, entity, state, testNode } from './criteria-builders.js';
import { parseDpkgVersion } from '../../versions/index.js';
import { isPlainObject, parseJsonLocated, zodToPatchhiveError } from '../../common/json-input.js';

/** Fixed, locale-independent order: CVE-2024-9999 before CVE-2024-10000. */
const ID_ORDER = new Intl.Collator('en', { numeric: true });

const WHAT = 'Debian tracker data';

/** Why dpkg itself could not read the version (its errors, not its warnings); undefined when it can. */
function dpkgVersionProblem(v: string): string | undefined {
  try {
    parseDpkgVersion(v);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const releaseSchema = z.object({
  status: z.enum(['resolved', 'open', 'undetermined']),
  repositories: z.record(z.string(), z.string()),
  fixed_version: z
    .string()
    .superRefine((v, ctx) => {
      const problem = dpkgVersionProblem(v);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `fixed_version ${JSON.stringify(v)} is not a valid Debian version: ${problem}`,
        });
    })
    .optional(),
  urgency: z.string().optional(),
  nodsa: z.string().optional(),
  nodsa_reason: z.string().optional(),
});
type TrackerRelease = z.infer<typeof releaseSchema>;

/** Only the chosen release is validated in depth: other releases are not read. */
const entrySchema = z.object({
  description: z.string().optional(),
  scope: z.string().optional(),
  debianbug: z.number().int().optional(),
  releases: z.record(z.string(), z.unknown()),
});
type TrackerEntry = z.infer<typeof entrySchema>;

interface SourceEntry {
  source: string;
  entry: TrackerEntry;
  rel: TrackerRelease;
}

/** Maps a tracker urgency to a severity ("medium*" and friends drop the star). */
export function debianUrgencySeverity(urgency: string | undefined): Severity {
  switch ((urgency ?? '').trim().replace(/\*$/, '')) {
    case 'unimportant':
    case 'low':
      return 'low';
    case 'medium':
      return 'moderate';
    case 'high':
      return 'important';
    default:
      return 'unknown';
  }
}

/** Cheap sniff on the first few KB: `{ "<source>": { "<CVE-or-TEMP-id>": {` (whitespace-tolerant). */
export function looksLikeDebianTracker(head: string): boolean {
  const s = head.replace(/^\uFEFF/, '');
  return /^\s*\{\s*"[^"\\]+"\s*:\s*\{\s*"(?:CVE-\d{4}-\d+|TEMP-[0-9A-Fa-f-]+)"\s*:\s*\{/.test(s);
}

/** Imports the tracker JSON text for one release codename (e.g. "bookworm") into a catalog. */
export function importDebianTracker(text: string, opts: { file: string; release: string }): Catalog {
  const { file, release } = opts;
  const root = parseJsonLocated(text, file);
  checkShape(root, file);

  const byId = new Map<string, SourceEntry[]>();
  for (const [source, cves] of Object.entries(root)) {
    for (const [id, raw] of Object.entries(cves)) {
      const parsed = entrySchema.safeParse(raw);
      if (!parsed.success) throw zodToPatchhiveError(parsed.error, file, WHAT, [source, id]);
      const relRaw = parsed.data.releases[release];
      if (relRaw === undefined) continue;
      const rel = releaseSchema.safeParse(relRaw);
      if (!rel.success) throw zodToPatchhiveError(rel.error, file, WHAT, [source, id, 'releases', release]);
      const list = byId.get(id) ?? [];
      list.push({ source, entry: parsed.data, rel: rel.data });
      byId.set(id, list);
    }
  }

  const catalog = emptyCatalog(file, 'debian-tracker');
  const ids = [...byId.keys()].sort(ID_ORDER.compare);
  for (const id of ids) catalog.bulletins.push(buildBulletin(id, byId.get(id)!, release));
  return catalog;
}

/** Rejects input that is not an object of objects (or an object of objects that has no tracker entry). */
function checkShape(root: unknown, file: string): asserts root is Record<string, Record<string, unknown>> {
  const unknownFormat = (why: string) =>
    new PatchhiveError('E_INPUT_UNKNOWN_FORMAT', `${file} is not Debian tracker data: ${why}`, { file });
  if (!isPlainObject(root)) throw unknownFormat('expected a JSON object keyed by source package');
  let entries = 0;
  let withReleases = 0;
  for (const [source, cves] of Object.entries(root)) {
    if (!isPlainObject(cves)) throw unknownFormat(`the value of "${source}" is not an object keyed by CVE id`);
    for (const e of Object.values(cves)) {
      entries++;
      if (isPlainObject(e) && 'releases' in e) withReleases++;
    }
  }
  if (entries > 0 && withReleases === 0) throw unknownFormat('no entry has "releases"');
}

function buildBulletin(id: string, entries: SourceEntry[], release: string): Bulletin {
  entries.sort((a, b) => ID_ORDER.compare(a.source, b.source));
  const notes: string[] = [];
  const many = entries.length > 1;
  const fixes = entries.map((e) => buildFix(id, e, release, many ? ` (${e.source})` : '', notes));
  // Urgencies of sources that are not affected (fixed version "0") say nothing about the risk.
  const affected = entries.filter((e) => !(e.rel.status === 'resolved' && e.rel.fixed_version === '0'));
  let severity: Severity = 'unknown';
  for (const e of affected.length ? affected : entries) {
    const s = debianUrgencySeverity(e.rel.urgency);
    if (severityRank(s) > severityRank(severity)) severity = s;
  }
  const sources = entries.map((e) => e.source);
  const shown =
    sources.length > 3 ? `${sources.slice(0, 3).join(', ')} (+${sources.length - 3} more)` : sources.join(', ');
  const description = entries.find((e) => e.entry.description)?.entry.description;
  const references: Reference[] = [
    { source: 'debian-tracker', id, url: `https://security-tracker.debian.org/tracker/${encodeURIComponent(id)}` },
  ];
  const bugs = new Set(entries.flatMap((e) => (e.entry.debianbug !== undefined ? [e.entry.debianbug] : [])));
  for (const bug of bugs)
    references.push({ source: 'debian-bug', id: String(bug), url: `https://bugs.debian.org/${bug}` });
  return {
    id,
    source: 'debian-tracker',
    title: description ? `${shown}: ${firstSentence(description)}` : `${id} ${shown}`,
    ...(description ? { description } : {}),
    severity,
    cves: /^CVE-\d{4}-\d+$/.test(id) ? [id] : [],
    kbs: [],
    references,
    supersedes: [],
    class: 'vulnerability',
    fixes,
    ...(notes.length ? { notes: [...new Set(notes)] } : {}),
  };
}

function buildFix(id: string, { source, rel }: SourceEntry, release: string, tag: string, notes: string[]): Fix {
  const present = dpkgSourceTest({
    id: `tracker:tst:${release}:${source}:present`,
    objectId: `tracker:obj:dpkg-source:${source}`,
    source,
    comment: `a binary package built from ${source} is installed`,
  });
  const fv = rel.fixed_version;
  const fix: Fix = {
    id: `${source}/${id}`,
    product: source,
    package: { manager: 'dpkg', name: source, ...(fv !== undefined ? { version: fv } : {}) },
    available: false,
    applicability: testNode(present),
    installed: constNode(false, `no fix for ${source} in ${release} yet`),
  };

  if ((rel.urgency ?? '').trim() === 'unimportant') notes.push(`Debian: unimportant${tag}`);
  if (rel.nodsa !== undefined || rel.nodsa_reason !== undefined) {
    const why = [rel.nodsa, rel.nodsa_reason ? `(${rel.nodsa_reason})` : ''].filter(Boolean).join(' ');
    notes.push(`Debian: no DSA${tag}${why ? `: ${why}` : ''}`);
  }

  if (rel.status === 'resolved' && fv === '0') {
    notes.push(`Debian: ${source} is not affected in ${release} (fixed version 0)`);
    return {
      ...fix,
      available: true,
      applicability: constNode(false, `${source} is not affected in ${release}`),
      installed: constNode(true, 'nothing to install'),
    };
  }
  if (rel.status === 'resolved' && fv) {
    const older = state(`tracker:ste:${release}:${source}:${id}:older`, 'dpkginfo', {
      source_evr: entity(withEpoch(fv), 'less than', 'debian_evr_string'),
    });
    const fixed = dpkgSourceTest({
      id: `tracker:tst:${release}:${source}:${id}:fixed`,
      objectId: `tracker:obj:dpkg-source:${source}`,
      source,
      states: [older],
      check: 'at least one',
      comment: `a binary package built from ${source} is older than ${fv}`,
    });
    return { ...fix, available: true, installed: testNode(fixed, { negate: true, comment: `${source} >= ${fv}` }) };
  }
  if (rel.status === 'resolved')
    notes.push(`Debian: ${source} is marked resolved in ${release} without a fixed version`);
  if (rel.status === 'undetermined') notes.push(`Debian: status undetermined${tag}`);
  return fix;
}

/** "2.4.56-1" → "0:2.4.56-1": the form of the items' `source_evr` field. */
function withEpoch(version: string): string {
  return /^\d+:/.test(version) ? version : `0:${version}`;
}

/** A short title from a tracker description: its first sentence, at most ~100 characters. */
function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  const sentence = end > 0 ? flat.slice(0, end) : flat;
  return sentence.length > 100 ? `${sentence.slice(0, 97).trimEnd()}...` : sentence;
}
