/** Renders findings as a readable table, TSV (like the classic checker), JSON or CSV. */
import { SEVERITIES, severityRank, type Severity } from '../catalog/model.js';
import type { Finding } from '../detect/model.js';
import { toCsv } from '../common/csv.js';

export const OUTPUT_FORMATS = ['table', 'tsv', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * The one-line reason of a finding. An `unknown` finding names the fact that was missing ("not
 * collected: file /etc/lsb-release ..."): the comparisons that did run may read like "not
 * affected" and are not why it is unknown. Otherwise: the last comparison that decided it
 * (criteria name the platform first and the package or file last), else the last evidence, else
 * the first warning.
 */
export function findingReason(f: Finding): string {
  if (f.status === 'unknown') {
    const missing = unknownReason(f);
    if (missing) return missing;
  }
  const comparisons = f.evidence.filter((e) => e.expected !== undefined);
  return (comparisons.at(-1) ?? f.evidence.at(-1))?.message ?? f.warnings[0] ?? '';
}

/** Why a finding is unknown: the first evidence that could not be decided, prefixed by what kind of gap it is. */
function unknownReason(f: Finding): string | undefined {
  const undecided = f.evidence.filter((e) => e.result === 'unknown' || e.result === 'error');
  const gap = undecided.find((e) => e.actual === 'not collected' || e.actual === 'not supported') ?? undecided[0];
  if (gap) {
    const kind =
      gap.actual === 'not collected' ? 'not collected' : gap.actual === 'not supported' ? 'not supported' : 'undecided';
    return `${kind}: ${gap.message}`;
  }
  // Applicable, but the catalog has no fix yet: say so rather than quote a comparison.
  return f.evidence.find((e) => e.message.startsWith('no fix is available'))?.message;
}

function jsonFinding(f: Finding) {
  return {
    machine: f.machine,
    bulletin: f.bulletin,
    ...(f.package !== undefined ? { package: f.package } : {}),
    status: f.status,
    severity: f.severity,
    title: f.title,
    cves: f.cves,
    kbs: f.kbs,
    ...(f.fixedVersion !== undefined ? { fixedVersion: f.fixedVersion } : {}),
    ...(f.supersededBy !== undefined ? { supersededBy: f.supersededBy } : {}),
    evidence: f.evidence,
    warnings: f.warnings,
    ...(f.catalog !== undefined ? { catalog: f.catalog } : {}),
  };
}

function oneLine(s: string): string {
  return s.replace(/[\t\r\n]+/g, ' ');
}

function table(findings: Finding[], verbose: boolean): string {
  if (findings.length === 0) return 'No findings.\n';
  const lines: string[] = [];
  const machines = new Set(findings.map((f) => f.machine));
  for (const sev of SEVERITIES) {
    const group = findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    lines.push(`${sev.toUpperCase()} (${group.length})`);
    for (const f of group) {
      const who = machines.size > 1 ? `${f.machine}  ` : '';
      const pkg = f.package ? `  ${f.package}` : '';
      const from = f.catalog ? `  [${oneLine(f.catalog)}]` : '';
      lines.push(`  ${who}${f.status.padEnd(14)} ${f.bulletin}${pkg}  ${oneLine(f.title).slice(0, 100)}${from}`);
      if (verbose) {
        for (const e of f.evidence) lines.push(`      - ${oneLine(e.message)}`);
        for (const w of f.warnings) lines.push(`      ! ${oneLine(w)}`);
      } else if (f.status !== 'installed' && f.status !== 'not-applicable') {
        lines.push(`      ${oneLine(findingReason(f)).slice(0, 160)}`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Renders findings in the chosen format (newline-terminated). */
export function formatFindings(findings: Finding[], format: OutputFormat, opts: { verbose: boolean }): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ findings: findings.map(jsonFinding) }, null, 2) + '\n';
    case 'tsv':
      return findings
        .map((f) => [f.machine, f.bulletin, f.status, oneLine(findingReason(f))].join('\t'))
        .map((l) => l + '\n')
        .join('');
    case 'csv':
      return toCsv(
        ['machine', 'bulletin', 'package', 'status', 'severity', 'title', 'cves', 'kbs', 'reason', 'catalog'],
        findings.map((f) => [
          f.machine,
          f.bulletin,
          f.package ?? '',
          f.status,
          f.severity,
          f.title,
          f.cves.join(' '),
          f.kbs.join(' '),
          oneLine(findingReason(f)),
          f.catalog ?? '',
        ]),
      );
    case 'table':
      return table(findings, opts.verbose);
  }
}

/** Counts findings per status, e.g. "3 missing, 1 affected". */
export function summarise(findings: Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'nothing to report';
}

/** Severity at or above `min`. */
export function atLeast(sev: Severity, min: Severity): boolean {
  return severityRank(sev) >= severityRank(min);
}
