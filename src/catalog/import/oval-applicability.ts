/**
 * OVAL definitions say only "vulnerable or not". To tell `installed` from `not-applicable`, we
 * derive an applicability criterion: the same tree with every plain version/state test replaced
 * by "the object exists". A definition that is true always has a true applicability, so
 * "definition true ⇔ missing" is kept exactly.
 */
import type { Criterion, Test } from '../model.js';

const existenceOnly = new WeakMap<Test, Test>();

/** Derives "is the product present?" from an OVAL vulnerability/patch criteria tree. */
export function deriveApplicability(c: Criterion): Criterion {
  switch (c.kind) {
    case 'const':
    case 'extend':
      return c;
    case 'test':
      // a negated test or one with unusual existence rules says nothing about presence: keep it
      if (c.negate || c.test.states.length === 0) return c;
      if (c.test.checkExistence !== 'at_least_one_exists' && c.test.checkExistence !== 'all_exist') return c;
      return { ...c, test: stripStates(c.test) };
    case 'criteria':
      // ONE/XOR and negated subtrees are not monotone: replacing tests inside could make a true
      // definition look not applicable, so they stay as they are
      if (c.negate || c.operator === 'ONE' || c.operator === 'XOR') return c;
      return { ...c, children: c.children.map(deriveApplicability) };
  }
}

function stripStates(t: Test): Test {
  let s = existenceOnly.get(t);
  if (!s) {
    s = { ...t, id: `${t.id}#exists`, states: [], check: 'all' };
    existenceOnly.set(t, s);
  }
  return s;
}
