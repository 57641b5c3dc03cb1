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
  /** False only because a referenced platform definition (extend_definition) is false. */
  platformOnly?: boolean;
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
      const out = applyNegate({ result, evidence: [ev] }, c.negate);
      return out.result === 'false' ? { ...out, platformOnly: true } : out;
    }
    case 'criteria': {
      const outs = c.children.map((ch) => evaluateCriterion(ch, ctx));
      const result = combine(
        c.operator,
        outs.map((o) => o.result),
      );
      return applyNegate(decide(c.operator, result, outs), c.negate);
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

/**
 * Keeps the evidence that decided a node. A branch that fails only because its platform is
 * absent ("Windows XP SP2 is installed: no") is reported as such, and left out of an OR when
 * another branch failed for a real reason (its file version), so the reader sees the reason.
 */
function decide(op: string, result: Result, outs: Outcome[]): Outcome {
  if (result === 'unknown') return { result, evidence: pick(outs, (o) => o.result === 'unknown') };
  if (op === 'AND' && result === 'false') {
    const platformOnly = outs.some((o) => o.result === 'false' && o.platformOnly);
    return platformOnly
      ? { result, evidence: pick(outs, (o) => o.result === 'false' && o.platformOnly === true), platformOnly: true }
      : { result, evidence: pick(outs, (o) => o.result === 'false') };
  }
  if (op === 'OR' && result === 'true') return { result, evidence: pick(outs, (o) => o.result === 'true') };
  if (op === 'OR' && result === 'false') {
    const real = outs.some((o) => !o.platformOnly);
    return real
      ? { result, evidence: pick(outs, (o) => !o.platformOnly) }
      : { result, evidence: pick(outs, () => true), platformOnly: true };
  }
  return { result, evidence: pick(outs, () => true) };
}

/** Concatenates the evidence of the outcomes that pass `keep` (a loop: this is the engine's hot path). */
function pick(outs: Outcome[], keep: (o: Outcome) => boolean): Evidence[] {
  if (outs.length === 1) return keep(outs[0]!) ? outs[0]!.evidence : [];
  const out: Evidence[] = [];
  for (const o of outs) {
    if (!keep(o)) continue;
    for (const e of o.evidence) out.push(e);
  }
  return out;
}
