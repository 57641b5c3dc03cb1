/**
 * Small builders for criteria trees, shared by the importers (Debian tracker, MSRC, native…).
 * Callers choose the ids; keep them deterministic and derived from the content, so that the same
 * id always names the same test, object or state.
 */
import type {
  Check,
  CheckExistence,
  ConstNode,
  Criterion,
  Datatype,
  Entity,
  ObjectSpec,
  Operation,
  Operator,
  StateSpec,
  Test,
  TestNode,
} from '../model.js';

/** An entity with a literal value (operation 'equals' and datatype 'string' unless given). */
export function entity(value: string, operation: Operation = 'equals', datatype: Datatype = 'string'): Entity {
  return { value, operation, datatype };
}

/** A state whose fields must all match (entity operator AND). */
export function state(id: string, type: string, fields: Record<string, Entity>): StateSpec {
  return { id, type, fields, operator: 'AND' };
}

/** A test: true when at least one item exists and every item satisfies the states (if any). */
export function test(opts: {
  id: string;
  object: ObjectSpec;
  states?: StateSpec[];
  comment?: string;
  check?: Check;
  checkExistence?: CheckExistence;
}): Test {
  return {
    id: opts.id,
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
    check: opts.check ?? 'all',
    checkExistence: opts.checkExistence ?? 'at_least_one_exists',
    stateOperator: 'AND',
    object: opts.object,
    states: opts.states ?? [],
  };
}

/** Wraps a test as a criterion, optionally negated. */
export function testNode(t: Test, opts: { negate?: boolean; comment?: string } = {}): TestNode {
  return {
    kind: 'test',
    ...(opts.negate ? { negate: true } : {}),
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
    test: t,
  };
}

/** A criterion with a fixed truth value. */
export function constNode(value: boolean, comment?: string): ConstNode {
  return { kind: 'const', value, ...(comment !== undefined ? { comment } : {}) };
}

/** Combines criteria with an operator; a single child is returned as is. */
export function combine(operator: Operator, children: Criterion[], comment?: string): Criterion {
  if (children.length === 1 && comment === undefined) return children[0]!;
  return { kind: 'criteria', operator, ...(comment !== undefined ? { comment } : {}), children };
}

/** The dpkginfo object for every installed binary package built from a source package. */
export function dpkgSourceObject(id: string, source: string): ObjectSpec {
  return { id, type: 'dpkginfo', fields: { source: entity(source) } };
}

/** A dpkginfo test over the binaries of a source package (no states: "some binary is installed"). */
export function dpkgSourceTest(opts: {
  id: string;
  objectId: string;
  source: string;
  states?: StateSpec[];
  check?: Check;
  comment?: string;
}): Test {
  return test({
    id: opts.id,
    object: dpkgSourceObject(opts.objectId, opts.source),
    ...(opts.states ? { states: opts.states } : {}),
    ...(opts.check ? { check: opts.check } : {}),
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
  });
}

/** A test on the inventory's OS facts (object type `os`): every given field must match. */
export function osTest(opts: { id: string; objectId: string; fields: Record<string, Entity>; comment?: string }): Test {
  return test({
    id: opts.id,
    object: { id: opts.objectId, type: 'os', fields: {} },
    states: [state(`${opts.id}:ste`, 'os', opts.fields)],
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
  });
}

/** A test that is true when the given KB ("KB5120249") is installed. */
export function kbTest(opts: { id: string; objectId: string; kb: string; comment?: string }): Test {
  return test({
    id: opts.id,
    object: { id: opts.objectId, type: 'kb', fields: { kb: entity(opts.kb) } },
    comment: opts.comment ?? `${opts.kb} is installed`,
  });
}

/** A test that is true when an installed product's name matches a regular expression. */
export function productTest(opts: { id: string; objectId: string; namePattern: string; comment?: string }): Test {
  return test({
    id: opts.id,
    object: { id: opts.objectId, type: 'product', fields: { name: entity(opts.namePattern, 'pattern match') } },
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
  });
}

/** A test the engine cannot evaluate (its object is marked unsupported), so it yields `unknown`. */
export function unknownTest(opts: { id: string; objectId: string; type: string; reason: string }): Test {
  return test({
    id: opts.id,
    object: { id: opts.objectId, type: opts.type, fields: {}, unsupported: opts.reason },
    comment: opts.reason,
  });
}

/** Escapes every regular-expression metacharacter in a literal string. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
