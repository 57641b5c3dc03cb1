import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../errors.js';
import { orderInstalls, type InstallItem, type InstallStep } from './install-order.js';

/** "DSA-1:openssl=3.0.13-1~deb12u1<libssl3,zlib1g" → an item (dpkg unless the id starts with RHSA). */
function item(spec: string): InstallItem {
  const m = /^([^:]+):([^=]+)=([^<]+)(?:<(.*))?$/.exec(spec);
  if (!m) throw new Error(`bad spec ${spec}`);
  const manager = m[1]!.startsWith('RHSA') ? 'rpm' : 'dpkg';
  return {
    bulletinId: m[1]!,
    package: { manager, name: m[2]!, version: m[3]! },
    ...(m[4] ? { dependsOn: m[4].split(',') } : {}),
  };
}

/** A step as "name=version" for compact expectations. */
const short = (s: InstallStep): string => `${s.package.name}=${s.package.version}`;

const table: { name: string; items: string[]; expected: string[] }[] = [
  { name: 'empty', items: [], expected: [] },
  {
    name: 'independent packages keep input order',
    items: ['A:curl=7.88.1-10+deb12u5', 'B:bash=5.2.15-2+b7', 'C:zlib1g=1:1.2.13.dfsg-1'],
    expected: ['curl=7.88.1-10+deb12u5', 'bash=5.2.15-2+b7', 'zlib1g=1:1.2.13.dfsg-1'],
  },
  {
    name: 'dependency moves before its dependant',
    items: ['A:openssl=3.0.13-1~deb12u1<libssl3', 'B:libssl3=3.0.13-1~deb12u1'],
    expected: ['libssl3=3.0.13-1~deb12u1', 'openssl=3.0.13-1~deb12u1'],
  },
  {
    name: 'chain of three, reversed in input',
    items: ['A:c=1<b', 'B:b=1<a', 'C:a=1'],
    expected: ['a=1', 'b=1', 'c=1'],
  },
  {
    name: 'unrelated packages stay in place around a moved dependency',
    items: ['A:x=1', 'B:app=1<lib', 'C:y=1', 'D:lib=1'],
    expected: ['x=1', 'y=1', 'lib=1', 'app=1'],
  },
  {
    name: 'newest version wins (dpkg: ~ sorts before release)',
    items: ['A:openssl=3.0.13-1', 'B:openssl=3.0.13-1~deb12u1'],
    expected: ['openssl=3.0.13-1'],
  },
  {
    name: 'newest version wins (dpkg epoch)',
    items: ['A:zlib1g=1.3-1', 'B:zlib1g=1:1.2.13-1'],
    expected: ['zlib1g=1:1.2.13-1'],
  },
  {
    name: 'newest version wins (rpm)',
    items: ['RHSA-1:kernel=5.14.0-427.el9', 'RHSA-2:kernel=5.14.0-70.el9'],
    expected: ['kernel=5.14.0-427.el9'],
  },
  {
    name: 'rpm: numeric segments, not text',
    items: ['RHSA-1:glibc=2.34-100.el9', 'RHSA-2:glibc=2.34-60.el9'],
    expected: ['glibc=2.34-100.el9'],
  },
  {
    name: 'equal versions spelled differently keep the first',
    items: ['A:bash=5.2-1', 'B:bash=0:5.2-1'],
    expected: ['bash=5.2-1'],
  },
  {
    name: 'position is where the package first appears',
    items: ['A:curl=1', 'B:bash=1', 'C:curl=2'],
    expected: ['curl=2', 'bash=1'],
  },
  {
    name: 'dependency names outside the job and self-dependencies are ignored',
    items: ['A:app=1<libc6,app'],
    expected: ['app=1'],
  },
  {
    name: "only the newest version's dependencies count",
    items: ['A:app=1<lib', 'B:lib=1', 'C:app=2'],
    expected: ['app=2', 'lib=1'],
  },
  {
    name: 'dependencies are per manager',
    items: ['A:lib=1', 'RHSA-1:app=1<lib', 'RHSA-2:lib=1'],
    expected: ['lib=1', 'lib=1', 'app=1'],
  },
  {
    name: 'diamond',
    items: ['A:top=1<left,right', 'B:left=1<base', 'C:right=1<base', 'D:base=1'],
    expected: ['base=1', 'left=1', 'right=1', 'top=1'],
  },
];

describe('orderInstalls', () => {
  it.each(table)('$name', ({ items, expected }) => {
    expect(orderInstalls(items.map(item)).map(short)).toEqual(expected);
  });

  it('keeps every bulletin and the versions it replaces', () => {
    const steps = orderInstalls(
      [
        'A:openssl=3.0.11-1',
        'B:openssl=3.0.13-1<libssl3',
        'C:openssl=3.0.9-1',
        'D:openssl=3.0.13-1',
        'E:openssl=3.0.11-1',
        'F:libssl3=3.0.13-1',
      ].map(item),
    );
    expect(steps).toEqual([
      {
        package: { manager: 'dpkg', name: 'libssl3', version: '3.0.13-1' },
        bulletinIds: ['F'],
        dependsOn: [],
        replaces: [],
      },
      {
        package: { manager: 'dpkg', name: 'openssl', version: '3.0.13-1' },
        bulletinIds: ['A', 'B', 'C', 'D', 'E'],
        dependsOn: ['libssl3'],
        replaces: [
          { version: '3.0.9-1', bulletinIds: ['C'] },
          { version: '3.0.11-1', bulletinIds: ['A', 'E'] },
        ],
      },
    ]);
  });

  it.each([
    { name: 'two-package cycle', items: ['A:a=1<b', 'B:b=1<a'], message: 'dependency cycle: a → b → a' },
    {
      name: 'cycle behind an acyclic prefix',
      items: ['A:ok=1', 'B:x=1<y', 'C:y=1<z', 'D:z=1<x', 'E:w=1<x'],
      message: 'dependency cycle: x → y → z → x',
    },
    {
      name: 'dependant of a cycle starts the walk',
      items: ['A:w=1<x', 'B:x=1<y', 'C:y=1<x'],
      message: 'dependency cycle: x → y → x',
    },
  ])('$name throws E_INPUT_MALFORMED naming the cycle', ({ items, message }) => {
    let caught: unknown;
    try {
      orderInstalls(items.map(item));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PatchhiveError);
    expect((caught as PatchhiveError).code).toBe('E_INPUT_MALFORMED');
    expect((caught as PatchhiveError).message).toBe(message);
  });

  it.each<{ name: string; items: InstallItem[]; code: string }>([
    { name: 'bad dpkg version', items: [item('A:x=1:')], code: 'E_VERSION_INVALID' },
    {
      name: 'unknown manager',
      items: [{ bulletinId: 'A', package: { manager: 'msi', name: 'x', version: '1' } } as unknown as InstallItem],
      code: 'E_BAD_REQUEST',
    },
    {
      name: 'empty name',
      items: [{ bulletinId: 'A', package: { manager: 'dpkg', name: '', version: '1' } }],
      code: 'E_BAD_REQUEST',
    },
    {
      name: 'empty bulletin',
      items: [{ bulletinId: '', package: { manager: 'dpkg', name: 'x', version: '1' } }],
      code: 'E_BAD_REQUEST',
    },
    {
      name: 'dependsOn not a list',
      items: [
        {
          bulletinId: 'A',
          package: { manager: 'rpm', name: 'x', version: '1' },
          dependsOn: 'y',
        } as unknown as InstallItem,
      ],
      code: 'E_BAD_REQUEST',
    },
  ])('rejects $name with $code', ({ items, code }) => {
    expect(() => orderInstalls(items)).toThrow(expect.objectContaining({ code }));
  });
});
