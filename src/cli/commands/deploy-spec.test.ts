/** The pure half of `deploy create`: ring SPECs, durations, hook action names, the request body. */
import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import { deploymentCreateSchema } from '../../protocol/deploy-api.js';
import { actionNameArg, buildCreateBody, parseDurationSeconds, parseRingSpec, type RingInput } from './deploy-spec.js';

/** Expects an E_USAGE error whose message matches. */
function usageError(run: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(PatchhiveError);
  expect((caught as PatchhiveError).code).toBe('E_USAGE');
  expect((caught as PatchhiveError).message).toMatch(message);
}

describe('parseRingSpec', () => {
  const good: [string, RingInput][] = [
    ['lab=machines:lab-1', { name: 'lab', members: { kind: 'explicit', machines: ['lab-1'] } }],
    ['lab=machines:a+b+c', { name: 'lab', members: { kind: 'explicit', machines: ['a', 'b', 'c'] } }],
    ['lab=MACHINES:a + b', { name: 'lab', members: { kind: 'explicit', machines: ['a', 'b'] } }],
    ['pilot=10%', { name: 'pilot', members: { kind: 'percent', percent: 10 } }],
    ['pilot=12.5%', { name: 'pilot', members: { kind: 'percent', percent: 12.5 } }],
    ['pilot=10%,soak=1d', { name: 'pilot', members: { kind: 'percent', percent: 10 }, soakSeconds: 86_400 }],
    ['broad=rest', { name: 'broad', members: { kind: 'percent', percent: 100 } }],
    ['broad=100%', { name: 'broad', members: { kind: 'percent', percent: 100 } }],
    [
      'broad=rest,max-failures=5',
      { name: 'broad', members: { kind: 'percent', percent: 100 }, gate: { minSuccessRatio: 1, maxFailures: 5 } },
    ],
    [
      'canary=one-per-role:3,soak=4h,min-success=90%',
      {
        name: 'canary',
        members: { kind: 'strategy', strategy: 'one-per-role', count: 3 },
        soakSeconds: 14_400,
        gate: { minSuccessRatio: 0.9, maxFailures: 0 },
      },
    ],
    ['low=least-critical-first', { name: 'low', members: { kind: 'strategy', strategy: 'least-critical-first' } }],
    [
      'low=least-critical-first:20',
      { name: 'low', members: { kind: 'strategy', strategy: 'least-critical-first', count: 20 } },
    ],
    ['v=volunteers', { name: 'v', members: { kind: 'strategy', strategy: 'volunteers' } }],
    ['v=volunteers:2', { name: 'v', members: { kind: 'strategy', strategy: 'volunteers', count: 2 } }],
    [
      'p=5%,min-success=0.75,max-failures=2,soak=1d12h',
      {
        name: 'p',
        members: { kind: 'percent', percent: 5 },
        soakSeconds: 129_600,
        gate: { minSuccessRatio: 0.75, maxFailures: 2 },
      },
    ],
    [
      'p=5%,min-success=0',
      { name: 'p', members: { kind: 'percent', percent: 5 }, gate: { minSuccessRatio: 0, maxFailures: 0 } },
    ],
    [
      'p=5%,MIN-SUCCESS=100%',
      { name: 'p', members: { kind: 'percent', percent: 5 }, gate: { minSuccessRatio: 1, maxFailures: 0 } },
    ],
    ['p=5%,soak=0', { name: 'p', members: { kind: 'percent', percent: 5 }, soakSeconds: 0 }],
    [
      ' web tier = 20% , soak = 30m ',
      { name: 'web tier', members: { kind: 'percent', percent: 20 }, soakSeconds: 1800 },
    ],
  ];
  it.each(good)('%s', (spec, expected) => {
    const ring = parseRingSpec(spec);
    expect(ring).toEqual(expected);
    // every parsed ring is one the API accepts
    const body = { name: 'd', target: { machines: ['m'] }, rings: [ring] };
    expect(deploymentCreateSchema.safeParse(body).success).toBe(true);
  });

  const bad: [string, RegExp][] = [
    ['lab', /--ring "lab": expected NAME=MEMBERS/],
    ['=10%', /NAME before "=" is empty/],
    [`${'x'.repeat(65)}=10%`, /longer than 64/],
    ['lab=', /no MEMBERS after "="/],
    ['lab=foo', /unknown MEMBERS "foo"/],
    ['lab=machines:', /"machines:" needs machine names/],
    ['lab=machines', /"machines:" needs machine names/],
    ['lab=machines:a++b', /"machines:" needs machine names/],
    ['p=0%', /percentage "0%" must be above 0/],
    ['p=101%', /percentage "101%"/],
    ['p=-5%', /unknown MEMBERS "-5%"/],
    ['p=ten%', /unknown MEMBERS "ten%"/],
    ['c=one-per-role:0', /count after "one-per-role:" must be a whole number 1\.\.100000/],
    ['c=volunteers:x', /count after "volunteers:"/],
    ['c=volunteers:1.5', /count after "volunteers:"/],
    ['p=10%,soak=1y', /soak "1y" is not a duration/],
    ['p=10%,soak=h', /soak "h" is not a duration/],
    ['p=10%,soak=12h1d', /soak "12h1d" is not a duration/],
    ['p=10%,soak=91d', /longer than 90 days/],
    ['p=10%,soak', /option "soak" needs a value/],
    ['p=10%,soak=', /option "soak=" needs a value/],
    ['p=10%,,soak=1d', /empty option between commas/],
    ['p=10%,soak=1d,soak=2d', /"soak" is given twice/],
    ['p=10%,min-success=1.5', /min-success "1.5" must be a ratio/],
    ['p=10%,min-success=101%', /min-success "101%"/],
    ['p=10%,min-success=abc', /min-success "abc"/],
    ['p=10%,max-failures=-1', /max-failures "-1" must be a whole number/],
    ['p=10%,max-failures=2.5', /max-failures "2.5"/],
    ['p=10%,speed=fast', /unknown option "speed"/],
  ];
  it.each(bad)('refuses %s', (spec, message) => usageError(() => parseRingSpec(spec), message));
});

describe('parseDurationSeconds', () => {
  it.each([
    ['0', 0],
    ['45s', 45],
    ['90m', 5400],
    ['12h', 43_200],
    ['1d', 86_400],
    ['2w', 1_209_600],
    ['1D12H', 129_600],
    ['1w1d1h1m1s', 694_861],
  ])('%s = %i seconds', (text, seconds) => expect(parseDurationSeconds(text)).toBe(seconds));

  it.each(['', '1', '1x', 'm', '1h1d', '1h1h', '-1h', '1.5h'])('refuses "%s"', (text) =>
    expect(parseDurationSeconds(text)).toBeUndefined(),
  );
});

describe('actionNameArg', () => {
  it.each(['snapshot', 'lvm-snap.v2', '0day_fix'])('accepts %s', (name) =>
    expect(actionNameArg('--pre-hook', name)).toBe(name),
  );

  it('refuses a command line, a path, capitals and an empty name', () => {
    usageError(
      () => actionNameArg('--pre-hook', '/usr/local/sbin/snap --quick'),
      /--pre-hook: expected an action name/,
    );
    usageError(() => actionNameArg('--post-hook', 'Snapshot'), /--post-hook: expected an action name/);
    usageError(() => actionNameArg('--pre-hook', '-x'), /expected an action name/);
    usageError(() => actionNameArg('--pre-hook', ''), /expected an action name/);
    usageError(() => actionNameArg('--pre-hook', 'a'.repeat(65)), /expected an action name/);
  });
});

describe('buildCreateBody', () => {
  const lab = parseRingSpec('lab=machines:lab-1');
  const broad = parseRingSpec('broad=rest');

  it('builds the body from flags alone', () => {
    const body = buildCreateBody(undefined, {
      name: 'may',
      group: ['web'],
      machine: ['db-1'],
      bulletin: ['DSA-1'],
      ring: [lab, broad],
      deadline: '2030-01-01T00:00:00.000Z',
      reboot: 'if-required',
      rebootOnlyInWindow: true,
      maxDeferrals: 2,
      rollbackOnHalt: false,
      preHook: 'snapshot',
      seed: 's1',
    });
    expect(body).toEqual({
      name: 'may',
      target: { groups: ['web'], machines: ['db-1'] },
      bulletins: ['DSA-1'],
      rings: [lab, broad],
      deadline: '2030-01-01T00:00:00.000Z',
      rebootPolicy: { mode: 'if-required', onlyInWindow: true, maxDeferrals: 2 },
      rollbackOnHalt: false,
      preHook: 'snapshot',
      seed: 's1',
    });
    expect(deploymentCreateSchema.safeParse(body).success).toBe(true);
  });

  it('leaves out what was not given (the API fills in its defaults)', () => {
    const body = buildCreateBody(undefined, { name: 'n', machine: ['m'], ring: [broad], rollbackOnHalt: true });
    expect(body).toEqual({ name: 'n', target: { machines: ['m'] }, rings: [broad] });
  });

  it('lays flags over the spec file: lists replace, the rest stays', () => {
    const file = {
      name: 'from-file',
      target: { groups: ['web'], machines: ['x'] },
      rings: [lab],
      rebootPolicy: { mode: 'always' as const, onlyInWindow: true, maxDeferrals: 1 },
      postHook: 'health-check',
    };
    const body = buildCreateBody(file, { machine: ['y'], ring: [broad], maxDeferrals: 3, rollbackOnHalt: true });
    expect(body).toEqual({
      name: 'from-file',
      target: { groups: ['web'], machines: ['y'] },
      rings: [broad],
      rebootPolicy: { mode: 'always', onlyInWindow: true, maxDeferrals: 3 },
      postHook: 'health-check',
    });
    expect(buildCreateBody(file, { name: 'flag-name' }).name).toBe('flag-name');
  });

  it('refuses a body without name, rings or target, and reboot details without a mode', () => {
    usageError(() => buildCreateBody(undefined, { machine: ['m'], ring: [broad] }), /needs --name/);
    usageError(() => buildCreateBody(undefined, { name: 'n', machine: ['m'] }), /needs at least one --ring/);
    usageError(
      () => buildCreateBody(undefined, { name: 'n', ring: [broad] }),
      /needs a target: --group G and\/or --machine M/,
    );
    usageError(
      () => buildCreateBody(undefined, { name: 'n', machine: ['m'], ring: [broad], maxDeferrals: 2 }),
      /give --reboot never\|if-required\|always too/,
    );
    usageError(
      () => buildCreateBody(undefined, { name: 'n', machine: ['m'], ring: [broad], preHook: '/bin/sh -c reboot' }),
      /--pre-hook: expected an action name/,
    );
  });
});
