import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to.js';

const origin = 'https://patchhive.example.com';

describe('safeReturnTo', () => {
  it.each([
    ['/machines?group=web#top', '/machines?group=web#top'],
    ['/', '/'],
    ['/bulletins/DSA-1', '/bulletins/DSA-1'],
  ])('keeps the same-origin path %s', (raw, kept) => {
    expect(safeReturnTo(raw, origin)).toBe(kept);
  });

  it.each([
    'https://evil.example/',
    'http://patchhive.example.com/machines',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'machines',
    '/ma\nchines',
    '/api/v1/tokens',
    '/api',
    '',
    undefined,
    ['/machines'],
    `/${'a'.repeat(3000)}`,
  ])('falls back to / for %j', (raw) => {
    expect(safeReturnTo(raw, origin)).toBe('/');
  });
});
