import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dnsLabel, labelValue, sanitize } from '../../src/render/naming.js';
import type { Resource } from '../../src/model/resource.js';
import {
  RENDER_HEADER,
  resourcesToYaml,
  scalar,
  toYaml,
  writeResourcesYaml,
} from '../../src/render/emit.js';

describe('YAML writer', () => {
  it('quotes what a YAML 1.1 reader (kubectl) would not read back as the same string', () => {
    for (const s of [
      'yes',
      'No',
      'on',
      'OFF',
      'y',
      'n',
      'true',
      'null',
      '~',
      '80',
      '0777',
      '1e3',
      '0x1F',
      '*.example.com',
      '',
      ' lead',
      'a: b',
      '#x',
      '- x',
      'x\ny',
      '@org',
      '`cmd`',
      '1:20',
      '.inf',
    ])
      expect(parse(`v: ${scalar(s)}`, { version: '1.1' })).toEqual({ v: s });
  });

  it('leaves ordinary names plain', () => {
    for (const s of [
      'www.httpbin.org',
      'istio-system/egress-by-egressgateway',
      'security.istio.io/tlsMode',
      'ISTIO_MUTUAL',
    ])
      expect(scalar(s)).toBe(s);
  });

  it('round-trips nested structures, empty collections included', () => {
    const value = {
      a: [{ b: 1, c: [] }, [1, [2]], 'x'],
      d: {},
      e: { f: null, g: true, h: 1.5 },
      'i j': 'k',
    };
    expect(parse(toYaml(value), { version: '1.1' })).toEqual(value);
  });

  it('writes sequences at their key indentation, keys in insertion order unless sorted', () => {
    expect(toYaml({ z: 1, hosts: ['a', 'b'] })).toBe('z: 1\nhosts:\n- a\n- b\n');
    expect(toYaml({ z: 1, a: 2 }, { sortKeys: true })).toBe('a: 2\nz: 1\n');
  });
});

describe('rendered YAML in pieces', () => {
  // About 5 kB of YAML each: 600 of them make 3 MB.
  const resources = Array.from(
    { length: 600 },
    (_, i) =>
      ({
        body: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'ServiceEntry',
          metadata: { name: `se-${i}`, namespace: 'istio-system' },
          spec: { hosts: Array.from({ length: 200 }, (_, h) => `h-${i}-${h}.example.com`) },
        },
      }) as unknown as Resource,
  );

  it('hands a large render to the writer in pieces of about a megabyte, whole documents each', () => {
    const pieces: string[] = [];
    writeResourcesYaml(resources, (t) => pieces.push(t));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    for (const p of pieces) expect(p.length).toBeLessThan((1 << 20) + 10_000);
    expect(pieces[0]!.startsWith(`${RENDER_HEADER}---\n`)).toBe(true);
    for (const p of pieces.slice(1)) expect(p.startsWith('---\n')).toBe(true);
    expect(pieces.join('')).toBe(resourcesToYaml(resources));
    expect(resourcesToYaml(resources)).toBe(
      RENDER_HEADER + resources.map((r) => `---\n${toYaml(r.body)}`).join(''),
    );
  });

  it('writes the header alone for no resources', () => {
    const pieces: string[] = [];
    writeResourcesYaml([], (t) => pieces.push(t));
    expect(pieces).toEqual([RENDER_HEADER]);
  });
});

describe('names', () => {
  it('sanitizes to DNS-1123', () => {
    expect(sanitize('Httpbin_Service.HTTP--x-')).toBe('httpbin-service-http-x');
  });

  it('keeps short names and hashes long ones within 63 characters, distinctly', () => {
    expect(dnsLabel('egress-by-egressgateway', 'httpbin')).toBe('egress-by-egressgateway-httpbin');
    const a = dnsLabel('x'.repeat(70), 'one');
    const b = dnsLabel('x'.repeat(70), 'two');
    expect(a.length).toBe(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^x+-[0-9a-f]{8}$/);
  });

  it('makes label values valid', () => {
    expect(labelValue('-team.a_b-')).toBe('team.a_b');
    expect(labelValue('p'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
});
