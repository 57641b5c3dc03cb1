/**
 * The warnings classic hotfix checkers gave: the fix looks installed but a file's checksum is
 * unknown; or the update is registered but a file is older (reinstall needed).
 */
import type { Fix } from '../catalog/model.js';
import type { FindingStatus } from './model.js';
import { evaluateCriterion, type MachineContext } from './evaluate-criteria.js';
import { normalisePath } from './inventory-view.js';

/** Warnings for one fix's verdict on one machine. */
export function fixWarnings(fix: Fix, status: FindingStatus, ctx: MachineContext): string[] {
  const out: string[] = [];
  if (status === 'missing' && fix.installedMarker) {
    const marker = evaluateCriterion(fix.installedMarker, ctx);
    if (marker.result === 'true') {
      const what = marker.evidence.map((e) => e.message).join('; ') || 'the installation marker is present';
      out.push(`registered as installed (${what}) but the files are older: reinstall needed`);
    }
  }
  if (status === 'installed') {
    for (const known of fix.knownFileHashes ?? []) {
      const probe = ctx.view.files.get(normalisePath(known.path));
      if (!probe?.exists) continue;
      if (!probe.sha256) out.push(`${known.path}: file version is fine but its checksum was not collected`);
      else if (!known.sha256.includes(probe.sha256)) {
        out.push(
          `${known.path}: file version is fine but checksum ${probe.sha256.slice(0, 16)}… is unknown for this fix`,
        );
      }
    }
  }
  return out;
}
