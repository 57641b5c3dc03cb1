import { describe, expect, it } from 'vitest';
import { cleanText, REDACTED, stripUrl, summarizeBody } from './summary.js';

describe('summarizeBody', () => {
  it('keeps top-level names and small scalars, and placeholders for the rest', () => {
    expect(
      summarizeBody({
        name: 'web',
        kind: 'static',
        count: 3,
        enabled: false,
        rule: null,
        tags: ['a', 'b'],
        window: { days: [1], start: '02:00' },
      }),
    ).toEqual({
      name: 'web',
      kind: 'static',
      count: 3,
      enabled: false,
      rule: null,
      tags: '[array of 2]',
      window: '[object: days, start]',
    });
    expect(summarizeBody({ note: 'x'.repeat(500) })).toEqual({ note: '[text of 500 characters]' });
    expect(summarizeBody(undefined)).toEqual({});
    expect(summarizeBody('text')).toEqual({});
    expect(summarizeBody([1, 2])).toEqual({ '(body)': '[array of 2]' });
    expect(
      Object.keys(summarizeBody(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i])))),
    ).toHaveLength(41);
  });

  it.each([
    ['token', 'phe_123'],
    ['password', 'hunter2'],
    ['smtpPassword', 'x'],
    ['credential', 'abc'],
    ['secret', 'abc'],
    ['privateKey', 'abc'],
    ['apiKey', 'abc'],
    ['authorization', 'Bearer x'],
    ['sessionId', 'abc'],
    ['signature', 'abc'],
  ])('redacts a field named %s', (field, value) => {
    expect(summarizeBody({ [field]: value })).toEqual({ [field]: REDACTED });
  });

  it('redacts values shaped like a secret whatever the field, and strips URLs', () => {
    expect(summarizeBody({ note: 'use phk_0000aaaa-1111-2222-3333-444444444444_secret' })).toEqual({ note: REDACTED });
    expect(summarizeBody({ pem: '-----BEGIN PRIVATE KEY-----\nMII' })).toEqual({ pem: REDACTED });
    expect(summarizeBody({ url: 'https://user:pw@host.example/feed.xml?sig=abc#frag' })).toEqual({
      url: 'https://host.example/feed.xml',
    });
    expect(stripUrl('https://[::1')).toBe('[unparsable URL]');
  });

  it('cleans text so both databases store what was hashed', () => {
    expect(cleanText('a\u0000b\nc\ud800d')).toBe('abc\ufffdd');
    expect(cleanText('ok \ud83d\ude00')).toBe('ok \ud83d\ude00');
  });
});
