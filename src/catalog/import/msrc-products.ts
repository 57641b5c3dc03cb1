/**
 * Reading MSRC product names, fixed builds and severities (as found in Microsoft's CVRF data and the
 * ZentrixLabs feed built from it).
 */
import { severityFromWord, type Severity } from '../model.js';
import { escapeRegex } from './criteria-builders.js';

/** A Windows OS build: `version` is the dotted form the inventory reports ("10.0.19045.7663"). */
export interface WindowsBuild {
  build: number;
  ubr: number;
  version: string;
}

/** The OS part of an MSRC product name. */
export interface WindowsProduct {
  /** "Windows 10 Version 22H2" without architecture or installation suffix. */
  base: string;
  /** Registry InstallationType the name implies; "Server*" = Server or Server Core (merged names). */
  installationType: 'Client' | 'Server' | 'Server Core' | 'Server*';
  /** Inventory arch value the name implies, if it says one. */
  arch?: 'amd64' | 'x86' | 'arm64';
  /** CurrentBuildNumber of that Windows release, when the name is one we know. */
  knownBuild?: number;
}

/** A non-OS product ("Microsoft .NET Framework 4.8 on Windows Server 2012 R2"). */
export interface OtherProduct {
  /** The product part, without " on <Windows>" and architecture suffix. */
  base: string;
  /** Anchored regular expression for installed product names. */
  namePattern: string;
  /** The Windows platform after " on ", when it names one. */
  platform?: WindowsProduct;
  /** The text after " on " when it is not a Windows release we recognise. */
  unknownPlatform?: string;
}

/** Windows releases by name → CurrentBuildNumber; the first match wins (most specific first). */
const KNOWN_BUILDS: [RegExp, number][] = [
  [/^Windows Server 2008 R2\b/, 7601],
  [/^Windows Server 2008\b/, 6003],
  [/^Windows 7\b/, 7601],
  [/^Windows Server 2012 R2\b/, 9600],
  [/^Windows Server 2012\b/, 9200],
  [/^Windows (?:RT )?8\.1\b/, 9600],
  [/^Windows Server 2016\b/, 14393],
  [/^Windows Server 2019\b/, 17763],
  [/^Windows Server 2022, 23H2 Edition\b/, 25398],
  [/^Windows Server 2022 23H2\b/, 25398],
  [/^Windows Server 2022\b/, 20348],
  [/^Windows Server 2025\b/, 26100],
  [/^Windows Server, version 2004\b/, 19041],
  [/^Windows Server, version 20H2\b/, 19042],
  [/^Windows 10 Version 1507\b|^Windows 10 for\b|^Windows 10$/, 10240],
  [/^Windows 10 Version 1607\b/, 14393],
  [/^Windows 10 Version 1809\b/, 17763],
  [/^Windows 10 Version 2004\b/, 19041],
  [/^Windows 10 Version 20H2\b/, 19042],
  [/^Windows 10 Version 21H1\b/, 19043],
  [/^Windows 10 Version 21H2\b/, 19044],
  [/^Windows 10 Version 22H2\b/, 19045],
  [/^Windows 11 Version 21H2\b|^Windows 11 for\b/, 22000],
  [/^Windows 11 Version 22H2\b/, 22621],
  [/^Windows 11 Version 23H2\b/, 22631],
  [/^Windows 11 Version 24H2\b/, 26100],
  [/^Windows 11 Version 25H2\b/, 26200],
];

/** Kernel version prefix per build range ("major.minor" of the dotted version). */
function kernelFor(build: number): string | undefined {
  if (build >= 10240) return '10.0';
  if (build >= 9600) return '6.3';
  if (build >= 9200) return '6.2';
  if (build >= 7600) return '6.1';
  if (build >= 6000) return '6.0';
  return undefined;
}

/** Parses an OS build "10.0.19045.7663" or "19045.7663"; undefined when it is not one. */
export function parseOsBuild(s: string): WindowsBuild | undefined {
  const m = /^\s*(?:(\d+)\.(\d+)\.)?(\d{4,5})\.(\d+)\s*$/.exec(s);
  if (!m) return undefined;
  const build = Number(m[3]);
  const ubr = Number(m[4]);
  const kernel = kernelFor(build);
  if (!kernel) return undefined;
  if (m[1] !== undefined && `${Number(m[1])}.${Number(m[2])}` !== kernel) return undefined;
  return { build, ubr, version: `${kernel}.${build}.${ubr}` };
}

/** Builds serviced by one update with the same UBR (enablement packages: 21H2/22H2, 22H2/23H2, 24H2/25H2). */
const SHARED_UBR: number[][] = [
  [19041, 19042, 19043, 19044, 19045],
  [22621, 22631],
  [26100, 26200],
];

/** True when the two builds take the same cumulative update, so a UBR of one applies to the other. */
export function sharesUbr(a: number, b: number): boolean {
  return a === b || SHARED_UBR.some((family) => family.includes(a) && family.includes(b));
}

/** The same UBR on a sibling build ("10.0.22621.7567" on build 22631 → "10.0.22631.7567"). */
export function withBuild(b: WindowsBuild, build: number): WindowsBuild {
  return { build, ubr: b.ubr, version: `${kernelFor(build) ?? '10.0'}.${build}.${b.ubr}` };
}

/** True when FixedBuild is one dotted version usable for comparison ("4.8.4805.0", not "2.0.1 & 3.0.2"). */
export function isUsableVersion(s: string): boolean {
  return /^\d+(?:\.\d+){1,3}$/.test(s.trim());
}

const ARCH_SUFFIX = /\s+for\s+(x64|32-bit|ARM64|x86|Itanium)(?:-based)?\s+(?:Systems|editions)\s*/i;

/**
 * Reads a Windows OS product name ("Windows 10 Version 22H2 for x64-based Systems",
 * "Windows Server 2022 (Server Core installation)"); undefined when it is not one.
 * `merged`: names from the JSON feed, where Server and Server Core are grouped under one name.
 */
export function parseWindowsProduct(name: string, opts: { merged?: boolean } = {}): WindowsProduct | undefined {
  const trimmed = name.trim();
  if (!/^Windows (?:Server\b|\d|RT\b)/.test(trimmed)) return undefined;
  let base = trimmed;
  let arch: WindowsProduct['arch'];
  const a = ARCH_SUFFIX.exec(base);
  if (a) {
    const word = a[1]!.toLowerCase();
    arch = word === 'x64' ? 'amd64' : word === 'arm64' ? 'arm64' : word === 'itanium' ? undefined : 'x86';
    base = base.replace(ARCH_SUFFIX, ' ').trim();
  }
  const core = /\s*\(Server Core installation\)\s*/i;
  let installationType: WindowsProduct['installationType'];
  if (core.test(base)) {
    installationType = 'Server Core';
    base = base.replace(core, ' ').trim();
  } else if (/^Windows Server\b/.test(base)) {
    installationType = opts.merged ? 'Server*' : 'Server';
  } else {
    installationType = 'Client';
  }
  const knownBuild = KNOWN_BUILDS.find(([re]) => re.test(base))?.[1];
  return { base, installationType, ...(arch ? { arch } : {}), ...(knownBuild !== undefined ? { knownBuild } : {}) };
}

/**
 * Reads a non-OS product name into a safe name pattern and, after " on ", its Windows platform:
 * "Microsoft .NET Framework 4.6.2/4.7 on Windows Server 2012" →
 * `^Microsoft \.NET Framework (?:4\.6\.2|4\.7)(?:\s|$)` on Windows Server 2012.
 */
export function parseOtherProduct(name: string, opts: { merged?: boolean } = {}): OtherProduct {
  const trimmed = name.trim();
  const on = / on (Windows .*)$/.exec(trimmed);
  const platform = on ? parseWindowsProduct(on[1]!, opts) : undefined;
  let base = on ? trimmed.slice(0, on.index) : trimmed;
  base = base.replace(ARCH_SUFFIX, ' ').trim();
  const list = /^(.*\S)\s+(\d+(?:\.\d+)*(?:\/\d+(?:\.\d+)*)+)$/.exec(base);
  const namePattern = list
    ? `^${escapeRegex(list[1]!)} (?:${list[2]!.split('/').map(escapeRegex).join('|')})(?:\\s|$)`
    : `^${escapeRegex(base)}(?:\\s|$)`;
  return {
    base,
    namePattern,
    ...(platform?.knownBuild !== undefined ? { platform } : {}),
    ...(on && platform?.knownBuild === undefined ? { unknownPlatform: on[1]! } : {}),
  };
}

/** Maps an MSRC severity: a CVSS base score ("7.8") by band, or a severity word ("Important"). */
export function msrcSeverity(s: string | undefined): Severity {
  const t = (s ?? '').trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) {
    const score = Number(t);
    if (score >= 9) return 'critical';
    if (score >= 7) return 'important';
    if (score >= 4) return 'moderate';
    if (score > 0) return 'low';
    return 'unknown';
  }
  return severityFromWord(t);
}

/** Notes for an MSRC ExploitStatus ("Publicly Disclosed:No;Exploited:Yes;…"). */
export function exploitNotes(status: string | undefined): string[] {
  const notes: string[] = [];
  if (/(?:^|;)\s*Exploited:\s*Yes\b/i.test(status ?? '')) notes.push('exploited in the wild');
  if (/(?:^|;)\s*Publicly Disclosed:\s*Yes\b/i.test(status ?? '')) notes.push('publicly disclosed');
  return notes;
}
