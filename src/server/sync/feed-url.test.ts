import { describe, expect, it } from 'vitest';
import { feedLabel, maskFeedUrl } from './feed-url.js';

describe('maskFeedUrl', () => {
  it.each([
    ['https://feeds.example/oval.xml?apikey=s3cret', 'https://feeds.example/oval.xml?apikey=***'],
    [
      'https://feeds.example/oval.xml?apikey=s3cret&release=bookworm',
      'https://feeds.example/oval.xml?apikey=***&release=***',
    ],
    ['https://bob:pw@feeds.example:8443/a/oval.xml', 'https://***:***@feeds.example:8443/a/oval.xml'],
    ['https://token@feeds.example/oval.xml', 'https://***@feeds.example/oval.xml'],
    ['https://feeds.example/oval.xml#key=s3cret', 'https://feeds.example/oval.xml'],
    ['https://feeds.example/oval.xml?s3cret', 'https://feeds.example/oval.xml?***'],
    ['http://127.0.0.1:8080/catalog.json', 'http://127.0.0.1:8080/catalog.json'],
    ['/srv/feeds/catalog.json', '/srv/feeds/catalog.json'],
    ['file:///srv/feeds/catalog.json', 'file:///srv/feeds/catalog.json'],
    ['not a url', '(unparsable URL)'],
  ])('%s → %s', (url, masked) => {
    expect(maskFeedUrl(url)).toBe(masked);
  });

  it('never lets a secret through', () => {
    for (const url of [
      'https://u:s3cret@h/p?k=s3cret#s3cret',
      'https://s3cret@h/p?a=1&b=s3cret',
      'https://h/p?s3cret&a=b',
    ]) {
      expect(maskFeedUrl(url)).not.toContain('s3cret');
      expect(feedLabel(url)).not.toContain('s3cret');
    }
  });
});
