/**
 * Compiles the readable criterion language into the model's OVAL-shaped `Criterion` trees:
 * all/any become AND/OR criteria, `not` toggles OVAL's negate flag, `always` is a constant, and
 * each leaf becomes one test (compile-tests.ts). The same document always yields the same ids.
 */
import type { Criterion } from '../model.js';
import { PatchhiveError } from '../../errors.js';
import type { CriterionDoc } from './criterion-schema.js';
import {
  dpkgTest,
  fileTest,
  kbTest,
  osTest,
  productTest,
  registryTest,
  rpmTest,
  textfileTest,
  type CriterionSite,
} from './compile-tests.js';
import { jsonPath as formatJsonPath } from '../../common/json-input.js';

type PathSegment = string | number;

export type { CriterionSite } from './compile-tests.js';

/** Compiles one criterion (and its children) at `site`. */
export function compileCriterion(doc: CriterionDoc, site: CriterionSite): Criterion {
  const below = (...seg: PathSegment[]): CriterionSite => ({ ...site, rel: [...site.rel, ...seg] });
  if (doc.all)
    return { kind: 'criteria', operator: 'AND', children: doc.all.map((c, i) => compileCriterion(c, below('all', i))) };
  if (doc.any)
    return { kind: 'criteria', operator: 'OR', children: doc.any.map((c, i) => compileCriterion(c, below('any', i))) };
  if (doc.not) return negate(compileCriterion(doc.not, below('not')));
  if (doc.always !== undefined) return { kind: 'const', value: doc.always, comment: doc.always ? 'always' : 'never' };
  if (doc.dpkg) return dpkgTest(doc.dpkg, site);
  if (doc.rpm) return rpmTest(doc.rpm, site);
  if (doc.file) return fileTest(doc.file, site);
  if (doc.registry) return registryTest(doc.registry, site);
  if (doc.os) return osTest(doc.os, site);
  if (doc.kb !== undefined) return kbTest(doc.kb, site);
  if (doc.product) return productTest(doc.product, site);
  if (doc.textfile) return textfileTest(doc.textfile, site);
  // Unreachable after schema validation (exactly one key); kept so that a new key added to the
  // schema without a compiler here fails loudly instead of compiling to nothing.
  throw new PatchhiveError('E_INTERNAL', `criterion with no known key: ${Object.keys(doc).join(', ') || '(none)'}`, {
    path: formatJsonPath([...site.fixPath, ...site.rel]),
  });
}

/** `not`: flips a constant, or toggles the OVAL negate flag of a test or criteria node. */
function negate(c: Criterion): Criterion {
  if (c.kind === 'const') return { ...c, value: !c.value, comment: c.value ? 'never' : 'always' };
  const { negate: was, ...rest } = c;
  return was ? rest : { ...rest, negate: true };
}
