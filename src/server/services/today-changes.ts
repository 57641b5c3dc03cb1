/**
 * Which bulletins changed since a time, from the diffs of the catalog syncs since then. Pure.
 *
 * A bulletin counts once, as what it is now: withdrawn (now withdrawn, and withdrawn since), else
 * new (added since, whatever revisions followed), else revised. One that came and went within the
 * period reads as withdrawn; one withdrawn and back reads as new.
 */
import type { SyncDiff } from '../../protocol/api.js';

export type BulletinChangeKind = 'new' | 'revised' | 'withdrawn';

/** A bulletin's change since the time asked, with the time of the sync that made it. */
export interface BulletinChange {
  id: string;
  change: BulletinChangeKind;
  at: string;
}

/**
 * The changes the syncs (oldest first) record; `withdrawnNow` says whether a bulletin is withdrawn
 * now (undefined: no longer stored, left out).
 */
export function bulletinChangesSince(
  syncs: readonly { finishedAt: string; diff: SyncDiff | null }[],
  withdrawnNow: (id: string) => boolean | undefined,
): BulletinChange[] {
  const seen = new Map<string, { added?: string; revised?: string; withdrawn?: string }>();
  const note = (id: string, key: 'added' | 'revised' | 'withdrawn', at: string) => {
    const e = seen.get(id) ?? {};
    e[key] = at;
    seen.set(id, e);
  };
  for (const s of syncs) {
    if (!s.diff) continue;
    for (const b of s.diff.added) note(b.id, 'added', s.finishedAt);
    for (const b of s.diff.revised) note(b.id, 'revised', s.finishedAt);
    for (const b of s.diff.withdrawn) note(b.id, 'withdrawn', s.finishedAt);
  }
  const out: BulletinChange[] = [];
  for (const [id, e] of seen) {
    const withdrawn = withdrawnNow(id);
    if (withdrawn === undefined) continue;
    if (withdrawn) {
      if (e.withdrawn) out.push({ id, change: 'withdrawn', at: e.withdrawn });
    } else if (e.added) out.push({ id, change: 'new', at: e.added });
    else if (e.revised) out.push({ id, change: 'revised', at: e.revised });
  }
  return out;
}
