/** The one SNI choice shared by gateway servers and PASSTHROUGH tls routes. */
import { describe, expect, it } from 'vitest';
import { sniChooser } from '../../src/model/istio.js';

interface Handler {
  id: string;
  hosts: string[];
}

const choose = (handlers: Handler[], sni: string | undefined): string | undefined =>
  sniChooser(handlers, (h) => h.hosts)(sni)?.id;

describe('sniChooser', () => {
  const handlers: Handler[] = [
    { id: 'any', hosts: ['*'] },
    { id: 'short', hosts: ['*.com'] },
    { id: 'long', hosts: ['*.example.com'] },
    { id: 'exact', hosts: ['A.example.com'] },
    { id: 'repeat', hosts: ['b.example.com', '*.example.com'] },
    { id: 'anyAgain', hosts: ['*'] },
  ];

  it('takes the exact name (any case), then the longest wildcard, then the handler for *', () => {
    expect(choose(handlers, 'a.EXAMPLE.com')).toBe('exact');
    expect(choose(handlers, 'c.example.com')).toBe('long');
    expect(choose(handlers, 'other.com')).toBe('short');
    expect(choose(handlers, 'other.org')).toBe('any');
    expect(choose(handlers, undefined)).toBe('any');
  });

  it('drops a handler repeating a host an older one took, even for its other hosts', () => {
    expect(choose(handlers, 'b.example.com')).toBe('long');
    expect(choose(handlers.slice(1, 5), 'other.org')).toBeUndefined();
    expect(choose(handlers.slice(1), 'other.org')).toBe('anyAgain');
  });

  it('keeps the first of equally specific handlers', () => {
    const equal = [
      { id: 'first', hosts: ['*.a.org'] },
      { id: 'second', hosts: ['*.b.org', '*.x.a.org'] },
      { id: 'third', hosts: ['*.c.org'] },
    ];
    expect(choose(equal, 'y.a.org')).toBe('first');
    expect(choose(equal, 'y.x.a.org')).toBe('second');
    expect(choose(equal, undefined)).toBeUndefined();
  });
});
