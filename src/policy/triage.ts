/**
 * The triage state machine for one (bulletin, group) decision. Pure: the clock and the event id are
 * passed in. Who may do what is one table (ALLOWED_ACTORS), where each action leads is another
 * (TRANSITIONS); applyTriageAction only reads them.
 */
import { PatchhiveError } from '../errors.js';
import { instantMillis } from './deadlines.js';
import type { Actor, TriageAction, TriageDecision, TriageEvent, TriageState } from './model.js';

/** What applyTriageAction needs besides the decision: the group's setting, the time and the new event's id. */
export interface TriageContext {
  requiresSecondApprover: boolean;
  now: string;
  eventId: string;
}

const MAX_TEXT = 2000;
const MAX_OWNER = 200;

type ActionKind = TriageAction['kind'];
type ActorClass = 'user' | 'rule' | 'system';

/** Who may take each action. Users with the viewer role may take none (checked first). */
const ALLOWED_ACTORS: Record<ActionKind, readonly ActorClass[]> = {
  approve: ['user', 'rule'],
  ignore: ['user', 'rule'],
  decline: ['user', 'rule'],
  reopen: ['user'],
  assign: ['user'],
  note: ['user'],
  expire: ['system'],
};

/**
 * Where an action leads from each state. `approval` is resolved by the approval rules (first or
 * second approver); `unchanged` keeps the state; `expired-ignore` goes to `new` only once the
 * ignore has run out; a string refusal is the E_TRIAGE_TRANSITION message.
 */
type Step = { to: TriageState | 'approval' | 'unchanged' | 'expired-ignore' } | { refuse: string };

const go = (to: TriageState | 'approval' | 'unchanged' | 'expired-ignore'): Step => ({ to });
const refuse = (message: string): Step => ({ refuse: message });
const REOPEN_FIRST = (state: string): Step => refuse(`the bulletin is ${state} in this group: reopen it first`);

const TRANSITIONS: Record<ActionKind, Record<TriageState, Step>> = {
  approve: {
    new: go('approval'),
    'awaiting-second-approval': go('approval'),
    approved: refuse('the bulletin is already approved in this group'),
    ignored: REOPEN_FIRST('ignored'),
    declined: REOPEN_FIRST('declined'),
  },
  ignore: {
    new: go('ignored'),
    'awaiting-second-approval': go('ignored'),
    approved: go('ignored'),
    ignored: refuse('the bulletin is already ignored in this group: reopen it first'),
    declined: REOPEN_FIRST('declined'),
  },
  decline: {
    new: go('declined'),
    'awaiting-second-approval': go('declined'),
    approved: go('declined'),
    ignored: go('declined'),
    declined: refuse('the bulletin is already declined in this group'),
  },
  reopen: {
    new: refuse('the bulletin is already in the triage queue'),
    'awaiting-second-approval': go('new'),
    approved: go('new'),
    ignored: go('new'),
    declined: go('new'),
  },
  assign: fromEveryState(go('unchanged')),
  note: fromEveryState(go('unchanged')),
  expire: {
    new: refuse('only an ignore can expire'),
    'awaiting-second-approval': refuse('only an ignore can expire'),
    approved: refuse('only an ignore can expire'),
    ignored: go('expired-ignore'),
    declined: refuse('only an ignore can expire'),
  },
};

function fromEveryState(step: Step): Record<TriageState, Step> {
  return { new: step, 'awaiting-second-approval': step, approved: step, ignored: step, declined: step };
}

/** "alice", "rule:<ruleName>" or "system". */
export function actorName(a: Actor): string {
  switch (a.kind) {
    case 'user':
      return a.user;
    case 'rule':
      return `rule:${a.ruleName}`;
    case 'system':
      return 'system';
  }
}

/** The state as of `now`: an ignore whose ignoreUntil ≤ now counts as 'new'. */
export function effectiveTriageState(d: TriageDecision | undefined, now: string): TriageState {
  if (!d) return 'new';
  return d.state === 'ignored' && ignoreHasExpired(d, now) ? 'new' : d.state;
}

function ignoreHasExpired(d: TriageDecision, now: string): boolean {
  if (d.ignoreUntil === null) return false;
  const until = instantMillis(d.ignoreUntil);
  const at = instantMillis(now);
  return until !== null && at !== null && until <= at;
}

/** Applies one action; returns the new decision (version + 1) and the history event, or throws PatchhiveError. */
export function applyTriageAction(
  current: TriageDecision | undefined,
  key: { bulletinId: string; groupId: string },
  action: TriageAction,
  actor: Actor,
  ctx: TriageContext,
): { decision: TriageDecision; event: TriageEvent } {
  if (current && (current.bulletinId !== key.bulletinId || current.groupId !== key.groupId)) {
    throw new PatchhiveError('E_INTERNAL', 'triage decision does not belong to the given bulletin and group');
  }
  checkActor(action.kind, actor);
  const detail = validatedDetail(action, ctx.now);
  const from: TriageDecision = current ?? emptyTriageDecision(key, ctx.now);
  const name = actorName(actor);
  const step = TRANSITIONS[action.kind][from.state];
  if ('refuse' in step) throw new PatchhiveError('E_TRIAGE_TRANSITION', step.refuse);

  let next: TriageDecision;
  switch (step.to) {
    case 'approval':
      next = approve(from, action as Extract<TriageAction, { kind: 'approve' }>, name, ctx.requiresSecondApprover);
      break;
    case 'unchanged':
      next = { ...from };
      break;
    case 'expired-ignore':
      if (!ignoreHasExpired(from, ctx.now)) {
        throw new PatchhiveError('E_TRIAGE_TRANSITION', 'the ignore has not run out yet');
      }
      next = cleared(from, 'new');
      break;
    case 'ignored':
      next = {
        ...cleared(from, 'ignored'),
        reason: String(detail.reason),
        ignoreUntil: (detail.until as string | null | undefined) ?? null,
      };
      break;
    case 'declined':
      next = { ...cleared(from, 'declined'), reason: String(detail.reason) };
      break;
    default:
      next = cleared(from, step.to);
  }
  if (action.kind === 'assign') next.owner = (detail.owner as string | null) ?? null;
  const note = typeof detail.note === 'string' ? detail.note : null;
  if (note !== null) next.notes = from.notes ? `${from.notes}\n${note}` : note;

  const decision: TriageDecision = { ...next, version: from.version + 1, updatedAt: ctx.now, updatedBy: name };
  const event: TriageEvent = {
    id: ctx.eventId,
    bulletinId: key.bulletinId,
    groupId: key.groupId,
    at: ctx.now,
    actor: name,
    action: action.kind,
    fromState: current ? current.state : null,
    toState: decision.state,
    detail,
  };
  return { decision, event };
}

function checkActor(kind: ActionKind, actor: Actor): void {
  if (actor.kind === 'user' && actor.role === 'viewer') {
    throw new PatchhiveError('E_FORBIDDEN', 'viewers may not change triage decisions');
  }
  if (!ALLOWED_ACTORS[kind].includes(actor.kind)) {
    const who = actor.kind === 'user' ? 'a user' : actor.kind === 'rule' ? 'an approval rule' : 'the system';
    throw new PatchhiveError('E_FORBIDDEN', `${who} may not ${kind} a triage decision`);
  }
}

/** The first or second approval. A group that no longer requires two approvers lets a pending approval complete. */
function approve(
  from: TriageDecision,
  action: Extract<TriageAction, { kind: 'approve' }>,
  name: string,
  requiresSecondApprover: boolean,
): TriageDecision {
  const pending = from.state === 'awaiting-second-approval' ? from.approvals : [];
  if (pending.includes(name) && requiresSecondApprover) {
    throw new PatchhiveError(
      'E_SECOND_APPROVER',
      `${name} has already approved; a different approver must give the second approval`,
    );
  }
  // Two-person rule: at least one of the two approvals must be a person's, so rules alone never complete it.
  if (
    requiresSecondApprover &&
    pending.length > 0 &&
    name.startsWith('rule:') &&
    pending.every((p) => p.startsWith('rule:'))
  ) {
    throw new PatchhiveError(
      'E_SECOND_APPROVER',
      'an approval rule has already approved; the second approval must come from a user',
    );
  }
  const approvals = pending.includes(name) ? pending : [...pending, name];
  const state: TriageState = requiresSecondApprover && approvals.length < 2 ? 'awaiting-second-approval' : 'approved';
  return {
    ...from,
    state,
    approvals,
    reason: null,
    ignoreUntil: null,
    emergency: action.emergency ?? (pending.length > 0 ? from.emergency : false),
  };
}

/** The decision in a new state with everything state-specific (approvals, reason, expiry, emergency) cleared. */
function cleared(from: TriageDecision, state: TriageState): TriageDecision {
  return { ...from, state, approvals: [], reason: null, ignoreUntil: null, emergency: false };
}

/** The decision a pair has before anyone acted: state `new`, version 0, created at `now`. */
export function emptyTriageDecision(key: { bulletinId: string; groupId: string }, now: string): TriageDecision {
  return {
    bulletinId: key.bulletinId,
    groupId: key.groupId,
    state: 'new',
    owner: null,
    notes: null,
    reason: null,
    ignoreUntil: null,
    emergency: false,
    approvals: [],
    createdAt: now,
    updatedAt: now,
    updatedBy: 'system',
    version: 0,
  };
}

/** The action's fields, validated and normalised, as the event's detail (reason, note, owner, until, emergency). */
function validatedDetail(action: TriageAction, now: string): Record<string, string | boolean | null> {
  const detail: Record<string, string | boolean | null> = {};
  if ('note' in action && action.note !== undefined && action.note.trim() !== '') {
    detail.note = checkedText(action.note, 'note');
  }
  switch (action.kind) {
    case 'approve':
      if (action.emergency !== undefined) detail.emergency = action.emergency === true;
      break;
    case 'ignore':
      detail.reason = checkedText(action.reason, 'reason');
      if (action.until !== undefined && action.until !== null) detail.until = checkedUntil(action.until, now);
      break;
    case 'decline':
      detail.reason = checkedText(action.reason, 'reason');
      break;
    case 'assign':
      detail.owner = checkedOwner(action.owner);
      break;
    case 'note':
      detail.note = checkedText(action.text, 'text');
      break;
  }
  return detail;
}

function checkedText(text: unknown, field: string): string {
  const t = typeof text === 'string' ? text.trim() : '';
  if (t === '') throw new PatchhiveError('E_BAD_REQUEST', `${field} must not be empty`, { path: `$.${field}` });
  if (t.length > MAX_TEXT) {
    throw new PatchhiveError('E_BAD_REQUEST', `${field} is longer than ${MAX_TEXT} characters`, { path: `$.${field}` });
  }
  return t;
}

function checkedOwner(owner: unknown): string | null {
  if (owner === null) return null;
  const t = typeof owner === 'string' ? owner.trim() : null;
  if (t === null) throw new PatchhiveError('E_BAD_REQUEST', 'owner must be a string or null', { path: '$.owner' });
  if (t.length > MAX_OWNER) {
    throw new PatchhiveError('E_BAD_REQUEST', `owner is longer than ${MAX_OWNER} characters`, { path: '$.owner' });
  }
  return t === '' ? null : t;
}

/** A valid ISO time after now, normalised to UTC with milliseconds. */
function checkedUntil(until: unknown, now: string): string {
  const ms = typeof until === 'string' ? instantMillis(until) : null;
  if (ms === null) throw new PatchhiveError('E_BAD_REQUEST', 'until is not an ISO 8601 time', { path: '$.until' });
  const at = instantMillis(now);
  if (at === null) throw new PatchhiveError('E_INTERNAL', `now is not an ISO 8601 time: "${now}"`);
  if (ms <= at) throw new PatchhiveError('E_BAD_REQUEST', 'until must be in the future', { path: '$.until' });
  return new Date(ms).toISOString();
}
