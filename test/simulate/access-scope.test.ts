/**
 * Access changes computed for the destinations a change can touch (access-scope.ts) equal the full
 * comparison, which simulates every cell: over the fixture revision pairs, seeded edits of every
 * fixture repository, and pull-request-like edits of a generated policy repository.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources, type Analysis } from '../../src/analyze.js';
import { DEFAULT_CONFIG, parseProjectConfig } from '../../src/config/project-config.js';
import { accessScope } from '../../src/simulate/access-scope.js';
import { compareAccess, formatAccessChange } from '../../src/simulate/access.js';
import { generatePolicyRepo } from '../../bench/generate.js';
import { mulberry32 } from '../helpers/mutate.js';
import { REPO_ROOT } from '../helpers/revisions.js';
import { readTree, serviceEntry } from './helpers.js';

type Files = Record<string, string>;

function analyze(files: Files, config?: string): Analysis {
  return analyzeSources(
    Object.entries(files).map(([path, content]) => ({ path, content })),
    config ? parseProjectConfig(config) : DEFAULT_CONFIG,
  );
}

/**
 * Scoped and full comparison agree (both simulate cells by the same function; the full one all of
 * them); returns the changes and whether the comparison was scoped.
 */
function expectScopedEqualsFull(b: Analysis, h: Analysis, what: string) {
  const full = compareAccess(b, h, { scoped: false });
  const scoped = compareAccess(b, h);
  expect(scoped.map(formatAccessChange), what).toEqual(full.map(formatAccessChange));
  expect(scoped, what).toEqual(full);
  return { changes: full.map(formatAccessChange), scoped: accessScope(b, h) !== 'all' };
}

/** Both ways: base to head, and head to base (a pull request reverting it). */
function expectBothWays(base: Files, head: Files, config?: string, what = '') {
  const b = analyze(base, config);
  const h = analyze(head, config);
  expectScopedEqualsFull(h, b, `${what} (reversed)`);
  return expectScopedEqualsFull(b, h, what);
}

const fixtureDirs = (parent: string): string[] =>
  readdirSync(join(REPO_ROOT, parent)).map((d) => join(REPO_ROOT, parent, d));

describe('scoped access changes equal the full comparison', () => {
  it('on every fixture revision pair, both ways', () => {
    for (const dir of fixtureDirs('fixtures/revisions')) {
      const base = readTree(join(dir, 'base')).files;
      const head = readTree(join(dir, 'head')).files;
      expectBothWays(base, head, undefined, dir);
    }
  });

  /**
   * Edits that keep YAML readable and change meaning: a scalar replaced by another scalar of the same
   * repository (a host for another host, a port, a namespace, a mode), a line dropped or repeated.
   */
  function editedCopies(files: Files, seed: number, count: number): Files[] {
    const random = mulberry32(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const scalar = /(?<=(?::|-) +)[\w.*/-]+(?= *$)/gm;
    const pool = [...new Set(Object.values(files).flatMap((t) => t.match(scalar) ?? []))];
    const paths = Object.keys(files);
    const out: Files[] = [];
    while (out.length < count && paths.length > 0) {
      const path = pick(paths);
      const text = files[path]!;
      const lines = text.split('\n');
      const line = Math.floor(random() * lines.length);
      let edited: string;
      const kind = random();
      if (kind < 0.7) {
        const at = [...text.matchAll(scalar)];
        if (at.length === 0) continue;
        const m = pick(at);
        edited = text.slice(0, m.index) + pick(pool) + text.slice(m.index + m[0].length);
      } else if (kind < 0.85) edited = lines.filter((_, i) => i !== line).join('\n');
      else edited = [...lines.slice(0, line + 1), ...lines.slice(line)].join('\n');
      if (edited !== text) out.push({ ...files, [path]: edited });
    }
    return out;
  }

  const repositories = [
    ...fixtureDirs('fixtures/seeds'),
    ...fixtureDirs('fixtures/istio-tasks'),
    join(REPO_ROOT, 'fixtures/bookinfo'),
    ...fixtureDirs('fixtures/revisions').map((d) => join(d, 'head')),
  ];

  it('on seeded edits of every fixture repository, both ways', () => {
    let scoped = 0;
    let changed = 0;
    repositories.forEach((dir, i) => {
      const { files, config } = readTree(dir);
      const b = analyze(files, config);
      for (const [j, edited] of editedCopies(files, 1000 + i, 8).entries()) {
        const what = `${relative(REPO_ROOT, dir)} edit ${j}`;
        const h = analyze(edited, config);
        const there = expectScopedEqualsFull(b, h, what);
        expectScopedEqualsFull(h, b, `${what} (reversed)`);
        if (there.scoped) scoped++;
        if (there.changes.length > 0) changed++;
      }
    });
    // The edits exercise the scoped path, and some change access (else equality says little).
    expect(scoped).toBeGreaterThan(repositories.length);
    expect(changed).toBeGreaterThan(repositories.length);
  });
});

describe('pull-request edits of a generated policy repository', () => {
  const POLICIES = 12;
  const base: Files = Object.fromEntries(
    generatePolicyRepo(POLICIES).files.map((f) => [f.path, f.content as string]),
  );
  const policy = (n: number): string => `policies/team-${n}.yaml`;
  const edit = (path: string, from: string, to: string): Files => {
    const text = base[path] ?? '';
    if (!text.includes(from)) throw new Error(`${path} has no "${from}"`);
    return { ...base, [path]: text.replace(from, to) };
  };
  /** The last field: whether the comparison is scoped (undefined: either is right). */
  const cases: [name: string, head: Files, scoped: boolean | undefined][] = [
    [
      'a host added to a destination',
      edit(policy(3), '- api-3-0-0.example.com', '- api-3-0-0.example.com\n      - pr.example.com'),
      true,
    ],
    ['a TCP port changed', edit(policy(4), 'number: 5432', 'number: 5439'), true],
    ['a comment', { ...base, [policy(5)]: `# reviewed\n${base[policy(5)]}` }, true],
    ['a host renamed', edit(policy(6), 'api-6-1-1.example.com', 'api-6-1-1.example.org'), true],
    ['a source selector changed', edit(policy(7), 'app: app-1', 'app: app-9'), true],
    // team-8 stays a source namespace (its other rules): only the routes of this rule change.
    [
      'a rule moved to another namespace',
      edit(policy(8), 'namespace: team-8', 'namespace: team-2'),
      true,
    ],
    [
      'a source namespace gone',
      {
        ...base,
        [policy(8)]: base[policy(8)]!.replaceAll('namespace: team-8', 'namespace: team-2'),
      },
      false,
    ],
    ['a protocol changed', edit(policy(2), 'protocol: TCP', 'protocol: TLS'), undefined],
    [
      'a host renamed in a gateway server',
      edit(policy(1), 'api-1-0-1.example.com', 'moved.example.com'),
      undefined,
    ],
    [
      'a policy removed',
      Object.fromEntries(Object.entries(base).filter(([p]) => p !== policy(9))),
      false,
    ],
  ];

  it.each(cases)('%s: equal to the full comparison, both ways', (name, head, scoped) => {
    const there = expectBothWays(base, head, undefined, name);
    if (scoped !== undefined) expect(there.scoped).toBe(scoped);
  });

  /** Hand-written: `alias.example.com`, which team-0 sees, routed to `target.example.com`. */
  const tls = '{number: 443, name: tls, protocol: TLS}';
  const alias = `${serviceEntry('alias', 'team-0', 'alias.example.com', tls)}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: alias, namespace: team-0}
spec:
  hosts: [alias.example.com]
  tls:
  - match: [{port: 443, sniHosts: [alias.example.com]}]
    route: [{destination: {host: target.example.com, port: {number: 443}}}]
`;
  const target = serviceEntry('target', 'team-0', 'target.example.com', tls);
  /** An ExternalName Service: its in-cluster host stands for `target.example.com`. */
  const service = `apiVersion: v1
kind: Service
metadata: {name: target-alias, namespace: team-0}
spec:
  type: ExternalName
  externalName: target.example.com
  ports: [{name: tls, port: 443, protocol: TCP}]
`;
  const withAlias: Files = {
    ...base,
    'hand/alias.yaml': alias,
    'hand/target.yaml': target,
    'hand/service.yaml': service,
  };

  it('follows routes: a change to a host reaches the hosts routed to it', () => {
    const head = {
      ...withAlias,
      'hand/target.yaml': target.replace('[target.example.com]', '[elsewhere.example.com]'),
    };
    const there = expectBothWays(withAlias, head, undefined, 'target renamed');
    // The alias is unchanged, yet where it leads changed: a scope of the changed hosts alone would
    // miss its rows (the ExternalName Service's, if any, are held equal too).
    expect(there.scoped).toBe(true);
    expect(there.changes.some((c) => c.includes('alias.example.com'))).toBe(true);
  });

  /** A DestinationRule for `host` with one subset, `name`. */
  const subsetRule = (
    host: string,
    name: string,
    namespace = 'app',
  ): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: subsets, namespace: ${namespace}}
spec:
  host: ${host}
  subsets: [{name: ${name}, labels: {version: ${name}}}]
`;

  it('a subset renamed reaches routes that name it through an ExternalName alias', () => {
    const http = '{number: 80, name: http, protocol: HTTP}';
    const base = {
      'se.yaml': [
        serviceEntry('api', 'app', 'api.example.com', http),
        serviceEntry('front', 'app', 'front.example.com', http),
      ].join('---\n'),
      'alias.yaml': `apiVersion: v1
kind: Service
metadata: {name: ext, namespace: app}
spec: {type: ExternalName, externalName: api.example.com}
`,
      'vs.yaml': `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: app}
spec:
  hosts: [front.example.com]
  http: [{route: [{destination: {host: ext.app.svc.cluster.local, subset: v1}}]}]
`,
      'dr.yaml': subsetRule('api.example.com', 'v1'),
    };
    const head = { ...base, 'dr.yaml': subsetRule('api.example.com', 'v2') };
    const there = expectBothWays(base, head, undefined, 'aliased subset renamed');
    expect(there.changes.some((c) => c.includes('front.example.com'))).toBe(true);
  });

  it('a subset renamed that a Sidecar egressProxy names: every cell', () => {
    const http = '{number: 80, name: http, protocol: HTTP}';
    const base = {
      'se.yaml': [
        serviceEntry('x', 'app', 'x.example.com', http).replace(
          'resolution: DNS',
          'resolution: DNS\n  exportTo: ["."]',
        ),
        serviceEntry('proxy', 'app2', 'proxy.example.com', http),
      ].join('---\n'),
      'sidecar.yaml': `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: app2}
spec:
  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy: {host: proxy.example.com, subset: sub, port: {number: 80}}
`,
      'dr.yaml': subsetRule('proxy.example.com', 'sub', 'app2'),
    };
    const head = { ...base, 'dr.yaml': subsetRule('proxy.example.com', 'other', 'app2') };
    const there = expectBothWays(base, head, undefined, 'egress proxy subset renamed');
    expect(there.scoped).toBe(false);
    expect(there.changes.some((c) => c.includes('x.example.com'))).toBe(true);
  });

  it('a hand-written resource changed alone, and a wildcard host (every cell)', () => {
    const moved = {
      ...withAlias,
      'hand/alias.yaml': alias.replace('host: target', 'host: api-2-0-1'),
    };
    const there = expectBothWays(withAlias, moved, undefined, 'alias moved');
    expect(there.scoped).toBe(true);
    expect(there.changes.length).toBeGreaterThan(0);
    const wildcard = {
      ...withAlias,
      'hand/target.yaml': target.replace('[target.example.com]', '["*.example.com"]'),
    };
    expect(expectBothWays(withAlias, wildcard, undefined, 'wildcard').scoped).toBe(false);
    // A Sidecar sending the namespace's unknown traffic to the changed host: every cell.
    const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: team-3}
spec:
  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy: {host: target.example.com, port: {number: 443}}
`;
    const proxied = { ...withAlias, 'hand/sidecar.yaml': sidecar };
    const proxyMoved = {
      ...proxied,
      'hand/target.yaml': target.replace('number: 443', 'number: 8443'),
    };
    expect(expectBothWays(proxied, proxyMoved, undefined, 'egress proxy').scoped).toBe(false);
  });
});

describe('a request naming a Service by name.namespace', () => {
  // A ServiceEntry registers api.partner over TLS; the Service api in namespace partner is what the
  // resolver finds first for that name (request-host.ts), so a route for the Service's own host
  // changes where a request for api.partner goes.
  const base = {
    'se.yaml': serviceEntry('api', 'app', 'api.partner', '{number: 443, name: tls, protocol: TLS}'),
    'svc.yaml': `apiVersion: v1
kind: Service
metadata: {name: api, namespace: partner}
spec:
  selector: {app: api}
  ports: [{name: tcp, port: 443}]
`,
  };
  const route = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: partner}
spec:
  hosts: [api.partner.svc.cluster.local]
  tcp: [{route: [{destination: {host: nowhere.example.com, port: {number: 443}}}]}]
`;

  it('a route for the Service host reaches requests for api.partner', () => {
    const head = { ...base, 'vs.yaml': route };
    const there = expectBothWays(base, head, undefined, 'route for the Service');
    expect(there.scoped).toBe(true);
    expect(there.changes.some((c) => c.includes('api.partner:'))).toBe(true);
  });
});

describe('an edit above an IstioGateway in its file', () => {
  it('moves the gateway within the file without widening the scope', () => {
    const { files: seed, config } = readTree(join(REPO_ROOT, 'fixtures/seeds/asm-http'));
    const [gatewayFile] = Object.entries(seed).find(([, text]) =>
      text.includes('kind: IstioGateway'),
    )!;
    // A ServiceEntry before the gateway whose host changes length, not the lines it takes.
    const withEntry = (host: string): Files => ({
      ...seed,
      [gatewayFile]: `${serviceEntry('extra', 'istio-system', host, '{number: 443, name: tls, protocol: TLS}')}---\n${seed[gatewayFile]!}`,
    });
    const there = expectBothWays(withEntry('a.example.com'), withEntry('abc.example.com'), config);
    expect(there.scoped).toBe(true);
  });
});
