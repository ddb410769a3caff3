import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressProblem, ipLiteral } from '../../src/model/istio/addresses.js';
import { INSERTIONS, mulberry32 } from '../helpers/mutate.js';

/** ipLiteral as ipaddr.js alone decides it, asked for every host: the answer the fast path must keep. */
function judgedByIpaddr(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return ipaddr.isValid(bare) && /^[\d.]+$|:/.test(bare)
    ? ipaddr.parse(bare).toString()
    : undefined;
}

const addressJudgedByIpaddr = (address: string): boolean =>
  ipaddr.isValid(address) && judgedByIpaddr(address) !== undefined;

const SEEDS = fileURLToPath(new URL('../../fixtures/seeds', import.meta.url));

/** Every word of the seed scenarios' YAML: hosts, addresses, names, ports. */
function seedWords(): string[] {
  const words = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name))
        for (const w of readFileSync(path, 'utf8').split(/[\s"',[\]{}]+/)) if (w) words.add(w);
    }
  };
  walk(SEEDS);
  return [...words];
}

const IP_FORMS = [
  '1.2.3.4',
  '255.255.255.255',
  '256.1.1.1',
  '1.2.3',
  '127.1',
  '4294967295',
  '4294967296',
  '010.0.0.1',
  '0x7f.0.0.1',
  '0X7F000001',
  '1.2.3.4.5',
  '1..2.3',
  '.1.2.3',
  '::',
  '::1',
  '1::',
  '2001:db8::1',
  '2001:DB8:0:0:0:0:0:1',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  '12345::1',
  '::ffff:1.2.3.4',
  '::1.2.3.4',
  '::ffff:0x1.2.3.4',
  '64:ff9b::192.0.2.33',
  'fe80::1%eth0',
  'fe80::1%25',
  'fe80::1%',
  'fe80::1%eth-0',
  '::%1',
  '[::1]',
  '[2001:db8::1]',
  '[1.2.3.4]',
  '[::1',
  '10.0.0.0/8',
  '2001:db8::/32',
  '1.2.3.4/33',
  'httpbin.org:80',
  'a:b',
  'face:b00c::',
  'cafe',
  'dead:beef',
  'x:x',
  ':',
  '',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2.3.4\n',
];

/** Each seed host with every fuzz insertion at every place: what the CLI fuzz test feeds the loader. */
function fuzzed(hosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const host of hosts)
    for (let at = 0; at <= host.length; at++)
      for (const token of INSERTIONS) out.push(host.slice(0, at) + token + host.slice(at));
  return out;
}

/** Random strings over the characters IP literals and names are made of. */
function junk(count: number): string[] {
  const random = mulberry32(15);
  const alphabet = '0123456789abcdefABCDEFxXgz.:%[]/-_ ';
  return Array.from({ length: count }, () =>
    Array.from(
      { length: 1 + Math.floor(random() * 14) },
      () => alphabet[Math.floor(random() * alphabet.length)],
    ).join(''),
  );
}

describe('ipLiteral', () => {
  const sample = [
    ...seedWords(),
    ...IP_FORMS,
    ...fuzzed(['1.2.3.4', '::1', 'fe80::1%eth0', 'www.aliyun.com', 'httpbin.org']),
    ...junk(15_000),
  ];

  it('answers as ipaddr.js does for every host of a wide sample', () => {
    const differing = sample.filter((h) => ipLiteral(h) !== judgedByIpaddr(h));
    expect(differing).toEqual([]);
    // The sample holds both kinds, each many times.
    const ips = sample.filter((h) => judgedByIpaddr(h) !== undefined);
    expect(ips.length).toBeGreaterThan(300);
    expect(sample.length - ips.length).toBeGreaterThan(5_000);
  });

  it('takes addresses as ipaddr.js does, brackets refused', () => {
    const differing = sample.filter(
      (a) => !a.includes('/') && (addressProblem(a) === undefined) !== addressJudgedByIpaddr(a),
    );
    expect(differing).toEqual([]);
    expect(addressProblem('[::1]')).toBe('not an IP address');
    expect(addressProblem('::1')).toBeUndefined();
  });

  it('normalizes the literals it finds', () => {
    expect(ipLiteral('[2001:DB8:0:0:0:0:0:1]')).toBe('2001:db8::1');
    expect(ipLiteral('127.1')).toBe('127.0.0.1');
    expect(ipLiteral('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(ipLiteral('0x7f.0.0.1')).toBeUndefined();
    expect(ipLiteral('api.example.com')).toBeUndefined();
  });
});
