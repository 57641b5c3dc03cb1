/**
 * Criteria trees in three-valued logic, keeping the evidence of the parts that decided the result.
 */
import type { Criterion } from '../catalog/model.js';
import type { Evidence } from './model.js';
import type { CollectContext } from './collect-items.js';
import { evaluateTest, type TestOutcome } from './evaluate-test.js';
import { combine, negateResult, type Result } from './tri.js';

export interface MachineContext extends CollectContext {
  testMemo: Map<string, TestOutcome>;
  definitionMemo: Map<string, Result>;
  /** Definitions being evaluated, to refuse extend_definition cycles. */
  inProgress: Set<string>;
}

export interface Outcome {
  result: Result;
  evidence: Evidence[];
}

/** Evaluates a criterion on one machine; evidence lists the tests that decided it. */
export function evaluateCriterion(c: Criterion, ctx: MachineContext): Outcome {
  switch (c.kind) {
    case 'const':
      return { result: c.value ? 'true' : 'false', evidence: [] };
    case 'test': {
      let t = ctx.testMemo.get(c.test.id);
      if (!t) {
        t = evaluateTest(c.test, ctx);
        ctx.testMemo.set(c.test.id, t);
      }
      return applyNegate({ result: t.result, evidence: [t.evidence] }, c.negate);
    }
    case 'extend': {
      const result = evaluateDefinition(c.definition, ctx);
      const title = ctx.catalog.definitions.get(c.definition)?.title ?? c.definition;
      const ev: Evidence = {
        ref: c.definition,
        subject: title,
        result,
        message: `${title}: ${result === 'true' ? 'yes' : result === 'false' ? 'no' : 'unknown'}`,
      };
      return applyNegate({ result, evidence: [ev] }, c.negate);
    }
    case 'criteria': {
      const outs = c.children.map((ch) => evaluateCriterion(ch, ctx));
      const result = combine(c.operator, outs.map((o) => o.result));
      return applyNegate({ result, evidence: decidingEvidence(c.operator, result, outs) }, c.negate);
    }
  }
}

/** Evaluates a library definition by id (extend_definition), memoised per machine. */
export function evaluateDefinition(id: string, ctx: MachineContext): Result {
  const memo = ctx.definitionMemo.get(id);
  if (memo) return memo;
  const def = ctx.catalog.definitions.get(id);
  if (!def || ctx.inProgress.has(id)) return 'unknown';
  ctx.inProgress.add(id);
  const result = evaluateCriterion(def.criteria, ctx).result;
  ctx.inProgress.delete(id);
  ctx.definitionMemo.set(id, result);
  return result;
}

function applyNegate(o: Outcome, negate: boolean | undefined): Outcome {
  return negate ? { result: negateResult(o.result), evidence: o.evidence } : o;
}

function decidingEvidence(op: string, result: Result, outs: Outcome[]): Evidence[] {
  let chosen: Outcome[];
  if (result === 'unknown') chosen = outs.filter((o) => o.result === 'unknown');
  else if (op === 'AND') chosen = result === 'false' ? outs.filter((o) => o.result === 'false') : outs;
  else if (op === 'OR') chosen = result === 'true' ? outs.filter((o) => o.result === 'true') : outs;
  else chosen = outs;
  return chosen.flatMap((o) => o.evidence);
}
