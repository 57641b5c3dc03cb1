/**
 * Reading the output of collectors/windows/Collect-PatchhiveInventory.ps1. It is already an
 * inventory; here it is validated with located errors and normalised, so that values that
 * PowerShell or a hand edit may spell differently compare the same way everywhere.
 */
import { PatchhiveError } from '../errors.js';
import { validateInventory } from './input.js';
import { parseJsonLocated } from '../common/json-input.js';
import type { Inventory } from './model.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "kb4015549", "4015549" → "KB4015549"; anything else is left for validation to reject. */
export function normaliseKb(kb: unknown): unknown {
  if (typeof kb !== 'string') return kb;
  const t = kb.trim().toUpperCase();
  return /^\d+$/.test(t) ? `KB${t}` : t;
}

/** Registry numbers arrive as strings from some PowerShell paths ("19045"); the schema wants integers. */
function toInt(v: unknown): unknown {
  return typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

/** Normalises the raw JSON before validation: spellings the schema would otherwise reject. */
function preNormalise(raw: Json): void {
  if (Array.isArray(raw.kbs)) raw.kbs = [...new Set(raw.kbs.map(normaliseKb))];
  if (Array.isArray(raw.files)) {
    for (const f of raw.files)
      if (isObject(f) && typeof f.sha256 === 'string') f.sha256 = f.sha256.trim().toLowerCase();
  }
  const os = raw.os;
  if (isObject(os) && isObject(os.windows)) {
    for (const k of ['build', 'ubr', 'majorVersion', 'minorVersion']) {
      if (k in os.windows) os.windows[k] = toInt(os.windows[k]);
    }
  }
}

/** PROCESSOR_ARCHITECTURE → the arch names used elsewhere (amd64, x86, arm64, ia64). */
function normaliseArch(arch: string): string {
  return arch.trim().toLowerCase();
}

/**
 * The Windows version as dotted numbers: `10.0.19045.6216`. Windows 10 and later freeze the
 * CurrentVersion registry value at 6.3, so CurrentMajor/MinorVersionNumber win when present.
 */
export function windowsVersion(w: NonNullable<Inventory['os']['windows']>): { release?: string; version?: string } {
  const release = w.majorVersion !== undefined ? `${w.majorVersion}.${w.minorVersion ?? 0}` : w.currentVersion;
  if (!release) return {};
  return { release, version: `${release}.${w.build}${w.ubr !== undefined ? `.${w.ubr}` : ''}` };
}

/**
 * Validates and normalises a parsed Windows inventory: lower-case hashes and arch, upper-case KB
 * ids, numeric build/UBR, and os.release/os.version derived from the raw registry facts.
 */
export function normaliseWindowsInventory(raw: unknown, file?: string): Inventory {
  const copy: unknown = isObject(raw) ? structuredClone(raw) : raw;
  if (isObject(copy)) preNormalise(copy);
  const inv = validateInventory(copy, file);
  if (inv.os.family !== 'windows') {
    throw new PatchhiveError('E_INPUT_MALFORMED', `expected os.family "windows", got "${inv.os.family}"`, {
      file,
      path: '$.os.family',
    });
  }
  if (inv.os.arch) inv.os.arch = normaliseArch(inv.os.arch);
  if (inv.os.windows) {
    const { release, version } = windowsVersion(inv.os.windows);
    if (release) inv.os.release = release;
    if (version) inv.os.version = version;
  }
  if (inv.kbs) inv.kbs.sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
  return inv;
}

/** Parses the Windows collector's JSON output into a validated, normalised inventory (located errors). */
export function parseWindowsCollectorOutput(text: string, file?: string): Inventory {
  return normaliseWindowsInventory(parseJsonLocated(text, file), file);
}
