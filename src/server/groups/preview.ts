/**
 * A group's dry run: the machines an unsaved rule or member list would hold, with the same shape
 * checks and rule evaluator as saving. Pure: it is handed the machines the caller may see, and a
 * refusal comes back as data (the console shows it while the rule is typed), not as a throw.
 */
import { PatchhiveError } from '../../errors.js';
import { PREVIEW_NAMES, type GroupPreviewRequest, type GroupPreviewWire } from '../../protocol/group-preview-api.js';
import type { MachineRecord } from '../../store/ports.js';
import { matchesGroupRule, parseGroupRule } from './rule.js';

/** Refuses (E_BAD_REQUEST naming the field) a rule group without a rule or with members, and a static group with a rule. */
export function checkGroupShape(
  kind: 'static' | 'rule',
  rule: string | undefined,
  members: string[] | undefined,
): void {
  if (kind === 'rule' && !rule)
    throw new PatchhiveError('E_BAD_REQUEST', 'a rule group needs a rule', { path: '$.rule' });
  if (kind === 'rule' && members)
    throw new PatchhiveError('E_BAD_REQUEST', 'a rule group has no member list', { path: '$.members' });
  if (kind === 'static' && rule)
    throw new PatchhiveError('E_BAD_REQUEST', 'a static group has no rule', { path: '$.rule' });
}

/**
 * The machines of `visible` the group would hold now: those its rule matches, or those its list
 * names (by id or name). A member not in `visible` is unknown (E_MACHINE_NOT_FOUND), whether it
 * does not exist or is outside the caller's scope.
 */
export function previewGroup(req: GroupPreviewRequest, visible: readonly MachineRecord[]): GroupPreviewWire {
  try {
    checkGroupShape(req.kind, req.rule, req.members);
    return answer(req.kind === 'rule' ? matching(req.rule!, visible) : listed(req.members ?? [], visible));
  } catch (err) {
    if (!(err instanceof PatchhiveError)) throw err;
    const path = err.location?.path;
    return { count: 0, machines: [], error: { code: err.code, message: err.message, ...(path ? { path } : {}) } };
  }
}

function matching(text: string, visible: readonly MachineRecord[]): MachineRecord[] {
  const rule = parseGroupRule(text);
  return visible.filter((m) => matchesGroupRule(rule, m));
}

function listed(refs: readonly string[], visible: readonly MachineRecord[]): MachineRecord[] {
  const byRef = new Map<string, MachineRecord>();
  for (const m of visible) byRef.set(m.name, m);
  for (const m of visible) byRef.set(m.id, m); // an id wins over a machine named like it, as in resolve
  const found = new Map<string, MachineRecord>();
  refs.forEach((ref, i) => {
    const m = byRef.get(ref);
    if (!m)
      throw new PatchhiveError('E_MACHINE_NOT_FOUND', `no machine ${JSON.stringify(ref)}`, { path: `$.members[${i}]` });
    found.set(m.id, m);
  });
  return [...found.values()];
}

function answer(members: readonly MachineRecord[]): GroupPreviewWire {
  const names = members.map((m) => m.name).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return { count: members.length, machines: names.slice(0, PREVIEW_NAMES), error: null };
}
