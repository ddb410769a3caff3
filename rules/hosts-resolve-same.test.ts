import { describe, expect, it } from 'vitest';
import { policyTo } from '../test/rule-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule, { registrableDomain } from './hosts-resolve-same.js';

const hosts = (...names: string[]): string =>
  policyTo(
    `    - hosts:\n${names.map((h) => `      - ${h}\n`).join('')}      port: {number: 443, protocol: HTTPS}\n`,
  );

testRule(rule, {
  valid: [
    { name: 'www and the bare domain (seed 000)', yaml: hosts('www.httpbin.org', 'httpbin.org') },
    {
      name: 'subdomains of one domain',
      yaml: hosts('api.example.com', 'eu.api.example.com', 'example.com'),
    },
    { name: 'one host', yaml: hosts('api.example.com') },
    {
      name: 'under a country-code second level',
      yaml: hosts('www.example.co.uk', 'example.co.uk'),
    },
    {
      name: 'under a public suffix of three labels (ltd.uk)',
      yaml: hosts('foo.example.ltd.uk', 'example.ltd.uk'),
    },
    {
      name: 'a listed private suffix and a host right under it (httpbin.org)',
      yaml: hosts('httpbin.org', 'www.httpbin.org'),
    },
    {
      name: "hosts under a private suffix the entry also lists are its operator's",
      yaml: hosts('www.httpbin.org', 'httpbin.org', 'eu.httpbin.org'),
    },
  ],
  invalid: [
    {
      name: 'two unrelated domains',
      yaml: hosts('www.httpbin.org', 'httpbin.org', 'api.github.com'),
      findings: [
        {
          line: 16,
          column: 9,
          message:
            "api.github.com is not under httpbin.org like the first host www.httpbin.org: the egress gateway sends every host of this entry to www.httpbin.org's addresses, so requests for api.github.com reach the wrong server unless both resolve to the same IPs; give it its own entry in to",
        },
      ],
    },
    {
      name: 'every unrelated host is reported',
      yaml: hosts('a.example.co.uk', 'b.other.co.uk', 'www.other.co.uk'),
      findings: [
        { line: 15, column: 9, message: /^b.other.co.uk is not under example.co.uk/ },
        { line: 16, column: 9, message: /^www.other.co.uk is not under example.co.uk/ },
      ],
    },
    {
      name: 'two CloudFront distributions are different sites',
      yaml: hosts('a.cloudfront.net', 'b.cloudfront.net'),
      findings: [
        { line: 15, column: 9, message: /^b.cloudfront.net is not under a.cloudfront.net like/ },
      ],
    },
    {
      name: 'two GitHub Pages sites are different sites',
      yaml: hosts('x.github.io', 'www.y.github.io'),
      findings: [
        { line: 15, column: 9, message: /^www.y.github.io is not under x.github.io like/ },
      ],
    },
    {
      name: 'two companies under ltd.uk',
      yaml: hosts('foo.example.ltd.uk', 'other.ltd.uk'),
      findings: [
        { line: 15, column: 9, message: /^other.ltd.uk is not under example.ltd.uk like/ },
      ],
    },
  ],
});

describe('registrableDomain', () => {
  it.each([
    ['www.example.org', 'example.org'],
    // httpbin.org is in the list's private section: www.httpbin.org is registrable on its own.
    ['www.httpbin.org', 'www.httpbin.org'],
    ['*.example.com', 'example.com'],
    ['API.Example.COM.', 'example.com'],
    ['shop.example.com.cn', 'example.com.cn'],
    ['example.co.uk', 'example.co.uk'],
    ['foo.example.ltd.uk', 'example.ltd.uk'],
    ['a.cloudfront.net', 'a.cloudfront.net'],
    ['x.github.io', 'x.github.io'],
    ['localhost', 'localhost'],
    ['192.0.2.10', '192.0.2.10'],
  ])('%s -> %s', (host, domain) => expect(registrableDomain(host)).toBe(domain));
});
