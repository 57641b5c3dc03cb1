/**
 * Rules of `patchhive.catalog/1` that a schema cannot state because they relate parts of the
 * document: unique ids, supersedence targets and cycles, fixes required without remediation text.
 */
import { PatchhiveError } from '../../errors.js';
import type { NativeCatalogDoc } from './schema.js';
import { jsonPath as formatJsonPath } from '../../common/json-input.js';

type PathSegment = string | number;

export interface Problem {
  path: string;
  message: string;
}

/** The id a supersedes entry names, whether written as "ID" or { "id": "ID", "external": true }. */
export function supersededId(entry: string | { id: string; external: true }): string {
  return typeof entry === 'string' ? entry : entry.id;
}

/** Lists every cross-reference problem in document order (empty when the catalog is sound). */
export function findProblems(doc: NativeCatalogDoc): Problem[] {
  const problems: Problem[] = [];
  const add = (segments: PathSegment[], message: string) => problems.push({ path: formatJsonPath(segments), message });
  const firstIndex = new Map<string, number>();

  doc.bulletins.forEach((b, i) => {
    const seen = firstIndex.get(b.id);
    if (seen === undefined) firstIndex.set(b.id, i);
    else
      add(['bulletins', i, 'id'], `duplicate bulletin id "${b.id}" (also at ${formatJsonPath(['bulletins', seen])})`);

    if (b.fixes.length === 0 && b.manualRemediation === undefined) {
      add(
        ['bulletins', i, 'fixes'],
        'a bulletin needs at least one fix, or "manualRemediation" describing the configuration change',
      );
    }
    const fixIds = new Map<string, number>();
    b.fixes.forEach((f, j) => {
      const prev = fixIds.get(f.id);
      if (prev === undefined) fixIds.set(f.id, j);
      else
        add(
          ['bulletins', i, 'fixes', j, 'id'],
          `duplicate fix id "${f.id}" in bulletin ${b.id} (also at fixes[${prev}])`,
        );
    });
  });

  doc.bulletins.forEach((b, i) => {
    b.supersedes.forEach((entry, k) => {
      const at: PathSegment[] = ['bulletins', i, 'supersedes', k];
      const id = supersededId(entry);
      if (id === b.id) add(at, `bulletin ${b.id} supersedes itself`);
      else if (typeof entry === 'string' && !firstIndex.has(id)) {
        add(
          at,
          `supersedes "${id}", which is not in this catalog; if it is in another catalog, write { "id": "${id}", "external": true }`,
        );
      }
    });
  });

  for (const cycle of supersedenceCycles(doc)) {
    add(
      ['bulletins', firstIndex.get(cycle[0]!)!, 'supersedes'],
      `supersedence cycle: ${[...cycle, cycle[0]].join(' -> ')}`,
    );
  }
  return problems;
}

/** Cycles in the "supersedes" graph among this catalog's bulletins, each reported once. */
function supersedenceCycles(doc: NativeCatalogDoc): string[][] {
  const edges = new Map(doc.bulletins.map((b) => [b.id, b.supersedes.map(supersededId)] as const));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      if (next === id || !edges.has(next)) continue; // self-reference and unknown ids are reported above
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of edges.keys()) if (!state.has(id)) visit(id);
  return cycles;
}

/** Throws E_INPUT_MALFORMED for the first cross-reference problem, mentioning how many more exist. */
export function validateNativeCatalog(doc: NativeCatalogDoc): void {
  const problems = findProblems(doc);
  const first = problems[0];
  if (!first) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  throw new PatchhiveError('E_INPUT_MALFORMED', `${first.message}${more}`, { path: first.path });
}
