import { describe, expect, it } from 'vitest';
import type { Evidence, Finding } from '../detect/model.js';
import { findingReason } from './findings-format.js';

const base: Finding = { machine: 'm', bulletin: 'B', status: 'missing', severity: 'important', title: 't', cves: [], kbs: [], evidence: [], warnings: [] };
const comparison: Evidence = { ref: 'tst:1', subject: 'dpkg package apt', expected: 'evr less than 2.6.2', actual: '2.6.1', result: 'true', message: 'apt 2.6.1 is not earlier than the fixed 2.6.0' };
const notCollected: Evidence = { ref: 'tst:2', subject: '/etc/lsb-release matching ^DISTRIB', actual: 'not collected', result: 'unknown', message: '/etc/lsb-release matching ^DISTRIB: file /etc/lsb-release was not collected' };

describe('findingReason', () => {
  it.each([
    ['missing: the deciding comparison', { ...base, evidence: [notCollected, comparison] }, comparison.message],
    ['unknown: the fact that was not collected, not the comparison', { ...base, status: 'unknown', evidence: [notCollected, comparison] }, `not collected: ${notCollected.message}`],
    [
      'unknown: an unsupported test',
      { ...base, status: 'unknown', evidence: [comparison, { ...notCollected, actual: 'not supported', message: 'wmi57 x: test type wmi57 is not supported by Patchhive' }] },
      'not supported: wmi57 x: test type wmi57 is not supported by Patchhive',
    ],
    ['unknown: the package list missing', { ...base, status: 'unknown', evidence: [{ ...notCollected, message: 'dpkg package apt: the package list was not collected' }] }, 'not collected: dpkg package apt: the package list was not collected'],
    ['unknown without an undecided test: no fix yet', { ...base, status: 'unknown', evidence: [{ ref: 'f', subject: 'apt', result: 'true', message: 'no fix is available yet for apt' }] }, 'no fix is available yet for apt'],
    ['nothing: the first warning', { ...base, warnings: ['w'] }, 'w'],
  ] as [string, Finding, string][])('%s', (_name, f, want) => {
    expect(findingReason(f)).toBe(want);
  });
});
