/** The access matrix and the access changes of example pull requests (base -> head revision pairs). */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import {
  accessChangesReport,
  accessChangesMermaid,
  accessMatrix,
  compareAccess,
  formatAccessChange,
  UNLISTED_LABEL,
  type AccessChange,
} from '../../src/simulate/access.js';
import { analyzeFixture, readFixture, RENAME_ASM_GATEWAY } from './helpers.js';

const POLICY = 'egress-by-egressgateway.yaml';
const corrected = { corrections: [RENAME_ASM_GATEWAY] };

/** The asm-http fixture (gateway name corrected) with its policy text changed by `edit`. */
function httpRepo(edit?: (policy: string) => string) {
  const { files } = readFixture('asm-http', corrected);
  const policy = files[POLICY]!;
  const edited = edit ? edit(policy) : policy;
  if (edit && edited === policy) throw new Error('the edit changed nothing');
  return analyzeFixture('asm-http', {
    ...corrected,
    without: [POLICY],
    extra: { [POLICY]: edited },
  });
}

const lines = (changes: AccessChange[]): string[] => changes.map(formatAccessChange);

describe('access matrix', () => {
  it('lists every named source and registered destination, with the verdicts explain gives', () => {
    const m = accessMatrix(analyzeFixture('asm-https-upgrade', corrected));
    expect(m.sources.map((s) => s.label)).toEqual([
      'mytest/*',
      'mytest/app=sleep-a',
      UNLISTED_LABEL,
    ]);
    expect(m.destinations.map((d) => d.url)).toEqual([
      'http://httpbin.org:80',
      'https://httpbin.org:443',
      'http://www.httpbin.org:80',
      'https://www.httpbin.org:443',
    ]);
    const row = (source: string) => m.destinations.map((d) => m.verdict(source, d.url).verdict);
    expect(row('mytest/app=sleep-a')).toEqual([
      'allowed-via-gateway',
      'allowed-direct',
      'allowed-via-gateway',
      'allowed-direct',
    ]);
    expect(row('mytest/*')).toEqual(Array(4).fill('blocked-unregistered'));
    expect(row(UNLISTED_LABEL)).toEqual(Array(4).fill('blocked-unregistered'));
    expect(m.verdict('mytest/app=sleep-a', 'http://httpbin.org:80').gateway).toBe(
      'istio-system/egressgateway',
    );
    // Stored sparsely: the unlisted namespace sees none of the hosts, its outbound policy decides.
    expect(m.cells.some((c) => c.source === UNLISTED_LABEL)).toBe(false);
    expect(m.unseen[UNLISTED_LABEL]).toBe('blocked-unregistered');
    expect(m.explain('mytest/app=sleep-a', 'http://httpbin.org:80').upstream).toMatchObject({
      port: 443,
      tls: 'SIMPLE',
    });
  });

  it('names namespaces that hand-written resources use as sources', () => {
    const m = accessMatrix(analyzeFixture('istio-004-https-gateway'));
    expect(m.sources.map((s) => s.label)).toEqual(['default/*', 'test-egress/*', UNLISTED_LABEL]);
    expect(m.destinations.map((d) => d.url)).toEqual(['https://edition.cnn.com:443']);
  });
});

describe('access changes of example pull requests', () => {
  it('a policy is added', () => {
    const base = analyzeFixture('asm-http', { ...corrected, without: [POLICY] });
    expect(lines(compareAccess(base, httpRepo()))).toEqual([
      'mytest/app=sleep-a -> http://httpbin.org:80: blocked-unregistered -> allowed-via-gateway',
      'mytest/app=sleep-a -> http://www.httpbin.org:80: blocked-unregistered -> allowed-via-gateway',
    ]);
  });

  it('the policy is removed', () => {
    const head = analyzeFixture('asm-http', { ...corrected, without: [POLICY] });
    const changes = compareAccess(httpRepo(), head);
    expect(lines(changes)).toEqual([
      'mytest/app=sleep-a -> http://httpbin.org:80: allowed-via-gateway -> blocked-unregistered',
      'mytest/app=sleep-a -> http://www.httpbin.org:80: allowed-via-gateway -> blocked-unregistered',
    ]);
    expect(changes[0]).toMatchObject({
      beforeGateway: 'istio-system/egressgateway',
      reason: expect.stringMatching(/REGISTRY_ONLY/),
    });
  });

  it('a host is added', () => {
    const head = httpRepo((p) =>
      p.replace('      - httpbin.org      #', '      - httpbin.org\n      - api.example.com #'),
    );
    expect(lines(compareAccess(httpRepo(), head))).toEqual([
      'mytest/app=sleep-a -> http://api.example.com:80: blocked-unregistered -> allowed-via-gateway',
    ]);
  });

  it('the workload selector changes', () => {
    const head = httpRepo((p) => p.replace('app: sleep-a', 'app: sleep-b'));
    expect(lines(compareAccess(httpRepo(), head))).toEqual([
      'mytest/app=sleep-a -> http://httpbin.org:80: allowed-via-gateway -> blocked-unregistered',
      'mytest/app=sleep-a -> http://www.httpbin.org:80: allowed-via-gateway -> blocked-unregistered',
      'mytest/app=sleep-b -> http://httpbin.org:80: blocked-unregistered -> allowed-via-gateway',
      'mytest/app=sleep-b -> http://www.httpbin.org:80: blocked-unregistered -> allowed-via-gateway',
    ]);
  });

  it('HTTPS through the gateway is added (the example of the issue)', () => {
    const base = analyzeFixture('asm-https-444', { ...corrected, without: [POLICY] });
    const head = analyzeFixture('asm-https-444', corrected);
    expect(lines(compareAccess(base, head))).toContain(
      'mytest/app=sleep-a -> https://httpbin.org:443: blocked-unregistered -> allowed-via-gateway',
    );
  });

  it('the outbound policy changes from ALLOW_ANY to REGISTRY_ONLY: every pair nobody registers changes', () => {
    const { files } = readFixture('asm-http', corrected);
    const analyze = (mode: string) =>
      analyzeSources(
        Object.entries(files).map(([path, content]) => ({ path, content })),
        parseProjectConfig(`mesh:\n  outboundTrafficPolicy: ${mode}\n`),
      );
    const changes = compareAccess(analyze('ALLOW_ANY'), analyze('REGISTRY_ONLY'));
    expect(changes.length).toBeGreaterThan(0);
    expect(
      changes.every((c) => c.before === 'allowed-direct' && c.after === 'blocked-unregistered'),
    ).toBe(true);
    expect(lines(changes)).toContain(
      `${UNLISTED_LABEL} -> http://httpbin.org:80: allowed-direct -> blocked-unregistered`,
    );
    // sleep-a's own routes do not depend on the outbound policy.
    expect(
      changes.some(
        (c) => c.source === 'mytest/app=sleep-a' && c.destination === 'http://httpbin.org:80',
      ),
    ).toBe(false);
  });

  it('nothing changes between identical revisions', () => {
    expect(compareAccess(httpRepo(), httpRepo())).toEqual([]);
    expect(accessChangesReport([])).toBeUndefined();
  });
});

describe('access changes as text, Mermaid and Markdown', () => {
  const change = (
    i: number,
    after: AccessChange['after'] = 'allowed-via-gateway',
  ): AccessChange => ({
    source: `ns${i}/app=a`,
    destination: `https://h${i}.example.com:443`,
    before: 'blocked-unregistered',
    after,
    ...(after === 'allowed-via-gateway' ? { afterGateway: 'istio-system/egressgateway' } : {}),
    reason: 'because',
  });

  it('draws one edge per change, the arrow saying what the head allows', () => {
    const chart = accessChangesMermaid([
      change(1),
      change(2, 'denied-by-authz'),
      change(3, 'broken'),
    ]);
    expect(chart).toBe(
      [
        'flowchart LR',
        '  s0["ns1/app=a"]',
        '  d0(["https://h1.example.com:443"])',
        '  s0 -->|"blocked-unregistered → allowed-via-gateway (via istio-system/egressgateway)"| d0',
        '  s1["ns2/app=a"]',
        '  d1(["https://h2.example.com:443"])',
        '  s1 --x|"blocked-unregistered → denied-by-authz"| d1',
        '  s2["ns3/app=a"]',
        '  d2(["https://h3.example.com:443"])',
        '  s2 -.->|"blocked-unregistered → broken"| d2',
        '',
      ].join('\n'),
    );
  });

  it('stays small: beyond the cap it says how many changes are not drawn', () => {
    const chart = accessChangesMermaid(
      Array.from({ length: 40 }, (_, i) => change(i)),
      { maxEdges: 10 },
    );
    expect(chart.split('\n').filter((l) => l.includes('-->')).length).toBe(10);
    expect(chart).toContain('more["… and 30 more changes not drawn"]');
  });

  it('escapes repository text: no quote, bracket, backtick or mention can break out', () => {
    const nasty: AccessChange = { ...change(1), source: 'ns/app="x"]<b>`@octocat#1' };
    const chart = accessChangesMermaid([nasty]);
    expect(chart).toContain('s0["ns/app=#quot;x#quot;]#lt;b#gt;#96;#64;octocat#35;1"]');
    expect(accessChangesReport([nasty])?.rows).toEqual([
      {
        source: 'ns/app="x"]<b>`@octocat#1',
        destination: 'https://h1.example.com:443',
        before: 'blocked-unregistered',
        after: 'allowed-via-gateway',
      },
    ]);
  });
});
