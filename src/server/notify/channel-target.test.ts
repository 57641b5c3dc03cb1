import { describe, expect, it } from 'vitest';
import { PatchhiveError } from '../../errors.js';
import { checkChannelTarget, MAX_EMAIL_RECIPIENTS, parseEmailAddresses } from './channel-target.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof PatchhiveError ? err.code : 'not a PatchhiveError';
  }
}

describe('checkChannelTarget', () => {
  it.each([
    ['webhook', 'https://hooks.example.org/patchhive', undefined],
    ['webhook', 'http://10.0.0.5:8080/in?x=1', undefined],
    ['slack', 'https://hooks.slack.com/services/T0/B0/xyz', undefined],
    ['webhook', 'file:///etc/passwd', 'E_BAD_REQUEST'],
    ['webhook', 'javascript:alert(1)', 'E_BAD_REQUEST'],
    ['slack', 'ftp://example.org/', 'E_BAD_REQUEST'],
    ['webhook', 'hooks.example.org/x', 'E_BAD_REQUEST'],
    ['webhook', 'https://user:pass@example.org/', 'E_BAD_REQUEST'],
    ['email', 'ops@example.org', undefined],
    ['email', ' ops@example.org , sec+patch@mail.example.org ', undefined],
    ['email', 'root@localhost', undefined],
    ['email', '', 'E_BAD_REQUEST'],
    ['email', ' , ', 'E_BAD_REQUEST'],
    ['email', 'https://example.org', 'E_BAD_REQUEST'],
    ['email', 'Ops <ops@example.org>', 'E_BAD_REQUEST'],
    ['email', 'ops@example.org\nBcc: x@example.org', 'E_BAD_REQUEST'],
    ['email', 'ops@-bad.example.org', 'E_BAD_REQUEST'],
    ['email', 'ops@@example.org', 'E_BAD_REQUEST'],
  ] as const)('%s %j → %s', (kind, target, code) => {
    expect(codeOf(() => checkChannelTarget(kind, target))).toBe(code);
  });

  it('splits, trims and bounds address lists', () => {
    expect(parseEmailAddresses('a@example.org,b@example.org')).toEqual(['a@example.org', 'b@example.org']);
    const many = Array.from({ length: MAX_EMAIL_RECIPIENTS + 1 }, (_, i) => `u${i}@example.org`).join(',');
    expect(codeOf(() => parseEmailAddresses(many))).toBe('E_BAD_REQUEST');
  });
});
