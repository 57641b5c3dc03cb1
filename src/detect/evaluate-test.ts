/**
 * One OVAL test on one machine: collect items, check existence, check states, and say in a
 * sentence what was found ("apt 2.6.1 is earlier than the fixed 2.6.2").
 */
import type { Check, Entity, StateSpec, Test } from '../catalog/model.js';
import type { Evidence } from './model.js';
import { compareValue } from './compare.js';
import { collectItems, entityValues, type CollectContext } from './collect-items.js';
import type { Item } from './inventory-view.js';
import { combine, negateResult, type Result } from './tri.js';
import { describeObject, describeAbsence, describeComparison, describePresence } from './describe.js';

export interface TestOutcome {
  result: Result;
  evidence: Evidence;
}

/** Evaluates a test on the machine in `ctx`; never throws. */
export function evaluateTest(test: Test, ctx: CollectContext): TestOutcome {
  const got = collectItems(test.object, ctx);
  const subject = (got.status === 'collected' && got.label) || describeObject(test.object);
  if (got.status !== 'collected') {
    return {
      result: 'unknown',
      evidence: {
        ref: test.id,
        subject,
        actual: got.status === 'unsupported' ? 'not supported' : 'not collected',
        result: 'unknown',
        message: `${subject}: ${got.reason}`,
      },
    };
  }
  const items = got.items;
  const existence = existenceResult(test.checkExistence, items.length);
  if (existence === 'false' || test.states.length === 0 || items.length === 0) {
    const result = existence;
    const message = items.length === 0 ? describeAbsence(test.object, subject) : describePresence(subject, items);
    return {
      result,
      evidence: {
        ref: test.id,
        subject,
        actual: items.length === 0 ? 'absent' : `${items.length} found`,
        result,
        message,
      },
    };
  }
  const unsupported = test.states.find((s) => s.unsupported);
  if (unsupported) {
    return {
      result: 'unknown',
      evidence: { ref: test.id, subject, result: 'unknown', message: `${subject}: ${unsupported.unsupported}` },
    };
  }
  const perItem = items.map((item) => stateResultForItem(item, test, ctx));
  const result = checkResult(
    test.check,
    perItem.map((p) => p.result),
  );
  const shown = pickShown(perItem, result, test.check);
  const message =
    shown.map((p) => p.text).join('; ') +
    (perItem.length > shown.length ? `; and ${perItem.length - shown.length} more` : '');
  return {
    result,
    evidence: {
      ref: test.id,
      subject,
      expected: shown[0]?.expected,
      actual: shown.map((p) => p.actual).join(', '),
      result,
      message,
    },
  };
}

/** OVAL check_existence: does the number of items allow the test to pass? */
function existenceResult(ce: Test['checkExistence'], n: number): Result {
  switch (ce) {
    case 'all_exist':
    case 'at_least_one_exists':
      return n >= 1 ? 'true' : 'false';
    case 'any_exist':
      return 'true';
    case 'none_exist':
      return n === 0 ? 'true' : 'false';
    case 'only_one_exists':
      return n === 1 ? 'true' : 'false';
  }
}

/** OVAL check: combines per-item results (all = AND, at least one = OR, only one = ONE). */
export function checkResult(check: Check, rs: Result[]): Result {
  switch (check) {
    case 'all':
      return combine('AND', rs);
    case 'at least one':
      return combine('OR', rs);
    case 'none satisfy':
      return negateResult(combine('OR', rs));
    case 'only one':
      return combine('ONE', rs);
  }
}

interface ItemOutcome {
  result: Result;
  text: string;
  expected: string;
  actual: string;
}

function stateResultForItem(item: Item, test: Test, ctx: CollectContext): ItemOutcome {
  const parts = test.states.map((s) => stateResult(item, s, test, ctx));
  const result = combine(
    test.stateOperator,
    parts.map((p) => p.result),
  );
  return {
    result,
    text: parts.map((p) => p.text).join(' and '),
    expected: parts.map((p) => p.expected).join(' and '),
    actual: parts.map((p) => p.actual).join(', '),
  };
}

function stateResult(item: Item, state: StateSpec, test: Test, ctx: CollectContext): ItemOutcome {
  const fields = Object.entries(state.fields);
  const outs = fields.map(([field, e]) => fieldResult(item, field, e, test, ctx));
  const result = combine(
    state.operator ?? 'AND',
    outs.map((o) => o.result),
  );
  return {
    result,
    text: outs.map((o) => o.text).join(', '),
    expected: outs.map((o) => o.expected).join(', '),
    actual: outs.map((o) => o.actual).join(', '),
  };
}

function fieldResult(item: Item, field: string, e: Entity, test: Test, ctx: CollectContext): ItemOutcome {
  const raw = item[field];
  const actuals = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const vals = entityValues(e, ctx);
  const expectedText = 'unknown' in vals ? '(unknown)' : vals.values.join(' | ');
  if ('unknown' in vals || actuals.length === 0) {
    const why = 'unknown' in vals ? vals.unknown : `${field} not reported`;
    return {
      result: 'unknown',
      text: `${field}: ${why}`,
      expected: `${field} ${e.operation} ${expectedText}`,
      actual: '?',
    };
  }
  const perValue = vals.values.map((v) => {
    const rs = actuals.map((a) => compareValue(a, v, e.operation, e.datatype) as Result | 'error');
    return checkResult(
      e.entityCheck ?? 'all',
      rs.map((r) => (r === 'error' ? 'unknown' : r)),
    );
  });
  const result = checkResult(e.varCheck ?? 'all', perValue);
  const text = describeComparison(test.object, item, field, e, actuals, expectedText, result);
  return { result, text, expected: `${field} ${e.operation} ${expectedText}`, actual: actuals.join(',') };
}

function pickShown(per: ItemOutcome[], result: Result, check: Check): ItemOutcome[] {
  // show the items that decided the result first
  const deciding = per.filter((p) => p.result === result || (check === 'none satisfy' && p.result === 'true'));
  return (deciding.length > 0 ? deciding : per).slice(0, 3);
}
