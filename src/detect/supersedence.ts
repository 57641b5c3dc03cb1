/**
 * Supersedence: when a newer bulletin that replaces an older one is itself missing, installing
 * it fixes both, so only the newest is reported missing; the older ones become `superseded`.
 */
import type { Finding } from './model.js';

/** Marks missing findings whose bulletin is replaced (transitively) by another missing one.
 * `supersedes` maps a bulletin id to the ids it replaces (only bulletins that replace any). */
export function applySupersedence(findings: Finding[], supersedes: ReadonlyMap<string, string[]>): Finding[] {
  if (supersedes.size === 0) return findings;
  const missing = new Set(findings.filter((f) => f.status === 'missing').map((f) => f.bulletin));
  if (missing.size < 2) return findings;
  const replacedBy = new Map<string, string>();
  for (const newer of missing) {
    const stack = [...(supersedes.get(newer) ?? [])];
    const seen = new Set<string>([newer]);
    while (stack.length > 0) {
      const older = stack.pop()!;
      if (seen.has(older)) continue;
      seen.add(older);
      if (missing.has(older) && !replacedBy.has(older)) replacedBy.set(older, newer);
      stack.push(...(supersedes.get(older) ?? []));
    }
  }
  // the newest in a chain is the one nothing replaces
  const newest = (id: string): string => {
    let cur = id;
    for (let guard = 0; replacedBy.has(cur) && guard < 1000; guard++) cur = replacedBy.get(cur)!;
    return cur;
  };
  return findings.map((f) => {
    if (!replacedBy.has(f.bulletin)) return f;
    const by = newest(f.bulletin);
    return {
      ...f,
      status: 'superseded',
      supersededBy: by,
      warnings: [...f.warnings, `superseded by ${by}, which is missing: install that instead`],
    };
  });
}
