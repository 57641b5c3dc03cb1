import { describe, expect, it } from 'vitest';
import {
  exploitNotes,
  isUsableVersion,
  msrcSeverity,
  parseOsBuild,
  parseOtherProduct,
  parseWindowsProduct,
  sharesUbr,
} from './msrc-products.js';

describe('parseOsBuild', () => {
  it('reads Windows 10 22H2 builds in both spellings', () => {
    const want = { build: 19045, ubr: 7663, version: '10.0.19045.7663' };
    expect(parseOsBuild('10.0.19045.7663')).toEqual(want);
    expect(parseOsBuild('19045.7663')).toEqual(want);
  });

  it.each([
    ['26100.33296', '10.0.26100.33296'],
    ['10.0.14393.9418', '10.0.14393.9418'],
    ['6.3.9600.22000', '6.3.9600.22000'],
    ['9600.22000', '6.3.9600.22000'],
    ['7601.27000', '6.1.7601.27000'],
  ])('%s → %s', (input, version) => {
    expect(parseOsBuild(input)?.version).toBe(version);
  });

  it.each(['2.0.50727.8984 & 3.0.30729.8980', '4.8.4805.0', '4.7.4144.0', '10.0.9600.1', '', 'Release Notes', '123.4'])(
    'rejects %j',
    (input) => {
      expect(parseOsBuild(input)).toBeUndefined();
    },
  );

  it('knows which builds share a UBR', () => {
    expect(sharesUbr(22621, 22631)).toBe(true);
    expect(sharesUbr(19041, 19045)).toBe(true);
    expect(sharesUbr(19045, 22631)).toBe(false);
    expect(sharesUbr(20348, 20348)).toBe(true);
  });

  it('tells usable versions from free text', () => {
    expect(isUsableVersion('4.8.4805.0')).toBe(true);
    expect(isUsableVersion('2.0.50727.8984 & 3.0.30729.8980')).toBe(false);
  });
});

describe('parseWindowsProduct', () => {
  it.each([
    [
      'Windows 10 Version 22H2 for x64-based Systems',
      { base: 'Windows 10 Version 22H2', arch: 'amd64', installationType: 'Client', knownBuild: 19045 },
    ],
    [
      'Windows 10 Version 22H2 for 32-bit Systems',
      { base: 'Windows 10 Version 22H2', arch: 'x86', installationType: 'Client', knownBuild: 19045 },
    ],
    [
      'Windows 10 Version 21H2 for ARM64-based Systems',
      { base: 'Windows 10 Version 21H2', arch: 'arm64', installationType: 'Client', knownBuild: 19044 },
    ],
    [
      'Windows 11 Version 23H2 for x64-based Systems',
      { base: 'Windows 11 Version 23H2', arch: 'amd64', installationType: 'Client', knownBuild: 22631 },
    ],
    [
      'Windows 11 Version 24H2 for ARM64-based Systems',
      { base: 'Windows 11 Version 24H2', arch: 'arm64', installationType: 'Client', knownBuild: 26100 },
    ],
    [
      'Windows 10 Version 1809 for x64-based Systems',
      { base: 'Windows 10 Version 1809', arch: 'amd64', installationType: 'Client', knownBuild: 17763 },
    ],
    ['Windows Server 2016', { base: 'Windows Server 2016', installationType: 'Server', knownBuild: 14393 }],
    [
      'Windows Server 2019 (Server Core installation)',
      { base: 'Windows Server 2019', installationType: 'Server Core', knownBuild: 17763 },
    ],
    ['Windows Server 2022', { base: 'Windows Server 2022', installationType: 'Server', knownBuild: 20348 }],
    [
      'Windows Server 2022, 23H2 Edition (Server Core installation)',
      { base: 'Windows Server 2022, 23H2 Edition', installationType: 'Server Core', knownBuild: 25398 },
    ],
    [
      'Windows Server 2025 (Server Core installation)',
      { base: 'Windows Server 2025', installationType: 'Server Core', knownBuild: 26100 },
    ],
    ['Windows Server 2012 R2', { base: 'Windows Server 2012 R2', installationType: 'Server', knownBuild: 9600 }],
    ['Windows Server 2012', { base: 'Windows Server 2012', installationType: 'Server', knownBuild: 9200 }],
    [
      'Windows Server 2008 R2 for x64-based Systems Service Pack 1',
      { base: 'Windows Server 2008 R2 Service Pack 1', arch: 'amd64', installationType: 'Server', knownBuild: 7601 },
    ],
    [
      'Windows Server, version 2004 (Server Core installation)',
      { base: 'Windows Server, version 2004', installationType: 'Server Core', knownBuild: 19041 },
    ],
    [
      'Windows 12 Version 27H2 for x64-based Systems',
      { base: 'Windows 12 Version 27H2', arch: 'amd64', installationType: 'Client' },
    ],
  ])('%s', (name, want) => {
    expect(parseWindowsProduct(name)).toEqual(want);
  });

  it('groups Server and Server Core for merged (JSON feed) names', () => {
    expect(parseWindowsProduct('Windows Server 2022', { merged: true })?.installationType).toBe('Server*');
    expect(
      parseWindowsProduct('Windows Server 2022 (Server Core installation)', { merged: true })?.installationType,
    ).toBe('Server Core');
  });

  it.each([
    'Microsoft .NET Framework 4.8 on Windows Server 2012',
    'Windows App Client for Windows Desktop',
    'Windows Admin Center',
    'Microsoft Office 2019',
  ])('does not take %s for an OS', (name) => {
    expect(parseWindowsProduct(name)).toBeUndefined();
  });
});

describe('parseOtherProduct', () => {
  it('turns a version list into an alternation and reads the platform', () => {
    const p = parseOtherProduct(
      'Microsoft .NET Framework 4.6.2/4.7/4.7.1/4.7.2 on Windows Server 2012 R2 (Server Core installation)',
    );
    expect(p.base).toBe('Microsoft .NET Framework 4.6.2/4.7/4.7.1/4.7.2');
    expect(p.namePattern).toBe('^Microsoft \\.NET Framework (?:4\\.6\\.2|4\\.7|4\\.7\\.1|4\\.7\\.2)(?:\\s|$)');
    expect(p.platform).toEqual({ base: 'Windows Server 2012 R2', installationType: 'Server Core', knownBuild: 9600 });
    const re = new RegExp(p.namePattern);
    expect(re.test('Microsoft .NET Framework 4.7.1')).toBe(true);
    expect(re.test('Microsoft .NET Framework 4.7.2 Targeting Pack')).toBe(true);
    expect(re.test('Microsoft .NET Framework 4.8')).toBe(false);
    expect(re.test('Microsoft XNET Framework 4.7')).toBe(false);
  });

  it.each([
    [
      'Microsoft .NET Framework 3.5 on Windows Server 2012',
      'Microsoft .NET Framework 3.5',
      ['Microsoft .NET Framework 3.5'],
      ['Microsoft .NET Framework 3.51'],
    ],
    [
      'Microsoft .NET Framework 4.8 on Windows Server 2012 R2',
      'Microsoft .NET Framework 4.8',
      ['Microsoft .NET Framework 4.8'],
      ['Microsoft .NET Framework 4.8.1'],
    ],
    [
      'Microsoft Visual C++ 2015 (x64) [v14]+',
      'Microsoft Visual C++ 2015 (x64) [v14]+',
      ['Microsoft Visual C++ 2015 (x64) [v14]+ Redistributable'],
      ['Microsoft Visual Cxx 2015'],
    ],
    [
      'Microsoft Office 2019 for 32-bit editions',
      'Microsoft Office 2019',
      ['Microsoft Office 2019'],
      ['Microsoft Office 2016'],
    ],
  ])('%s', (name, base, matches, misses) => {
    const p = parseOtherProduct(name);
    expect(p.base).toBe(base);
    const re = new RegExp(p.namePattern);
    for (const m of matches) expect(re.test(m), m).toBe(true);
    for (const m of misses) expect(re.test(m), m).toBe(false);
  });

  it('says when the platform is not one it knows', () => {
    expect(parseOtherProduct('Contoso Tool on Windows Phone 8').unknownPlatform).toBe('Windows Phone 8');
  });
});

describe('msrcSeverity and exploitNotes', () => {
  it.each([
    ['9.8', 'critical'],
    ['9.0', 'critical'],
    ['8.9', 'important'],
    ['7.0', 'important'],
    ['6.9', 'moderate'],
    ['4.0', 'moderate'],
    ['3.9', 'low'],
    ['0.1', 'low'],
    ['0.0', 'unknown'],
    ['', 'unknown'],
    ['Critical', 'critical'],
    ['Important', 'important'],
    ['Moderate', 'moderate'],
    ['Low', 'low'],
    ['n/a', 'unknown'],
  ] as const)('%j → %s', (input, want) => {
    expect(msrcSeverity(input)).toBe(want);
  });

  it('notes exploitation and disclosure', () => {
    expect(exploitNotes('Publicly Disclosed:No;Exploited:Yes;Latest Software Release:Exploitation Detected')).toEqual([
      'exploited in the wild',
    ]);
    expect(
      exploitNotes('Publicly Disclosed:Yes;Exploited:No;Latest Software Release:Exploitation More Likely'),
    ).toEqual(['publicly disclosed']);
    expect(exploitNotes('Publicly Disclosed:No;Exploited:No')).toEqual([]);
  });
});
