import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import type { Resource } from '../../src/model/resource.js';
import { identityKey, locate } from '../../src/model/resource.js';
import { loadSources } from '../../src/load/load.js';
import { resourcesToYaml } from '../../src/render/emit.js';
import { validateResource } from '../../src/schema/validate.js';
import { readRepo, ROOT, SEEDS, seedScenarios } from '../support.js';

const GOLDEN = join(ROOT, 'test', 'golden', 'render');
const update = process.env.UPDATE_GOLDEN === '1';

function renderDir(dir: string): { yaml: string; resources: Resource[] } {
  const { files, config } = readRepo(dir);
  const analysis = analyzeSources(files, config);
  return { yaml: resourcesToYaml(analysis.render.resources), resources: analysis.render.resources };
}

describe('golden renders of the seed policies', () => {
  for (const scenario of seedScenarios('asm-')) {
    it(`${scenario} renders to the reviewed YAML`, () => {
      const { yaml } = renderDir(join(SEEDS, scenario));
      const file = join(GOLDEN, `${scenario}.yaml`);
      if (update || !existsSync(file)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, yaml);
      }
      expect(yaml).toBe(readFileSync(file, 'utf8'));
    });

    it(`${scenario}: every rendered resource passes Istio's schemas, unknown fields included`, () => {
      const { yaml, resources } = renderDir(join(SEEDS, scenario));
      expect(resources.length).toBeGreaterThan(0);
      // Validate the objects as kubectl would read them back: from the YAML we print.
      const readBack = loadSources([{ path: 'rendered.yaml', content: yaml }]);
      expect(readBack.findings).toEqual([]);
      expect(readBack.resources.map(identityKey)).toEqual(resources.map(identityKey));
      for (const r of readBack.resources)
        expect(validateResource(r).map((f) => f.message)).toEqual([]);
      // The schemas do apply: the same resource with a wrong field is refused.
      const first = readBack.resources[0]!;
      const broken = { ...first, body: { ...first.body, spec: { hosts: 5 } } };
      expect(validateResource(broken)).not.toEqual([]);
    });
  }
});

describe('determinism', () => {
  const { files, config } = readRepo(join(SEEDS, 'asm-https-upgrade'));

  it('rendering twice gives identical bytes', () => {
    const a = resourcesToYaml(analyzeSources(files, config).render.resources);
    const b = resourcesToYaml(analyzeSources(files, config).render.resources);
    expect(a).toBe(b);
  });

  it('reordering files and documents does not change the output', () => {
    const policies = `${POLICY('team-b', 'b.example.com')}---\n${POLICY('team-a', 'a.example.com')}`;
    const swapped = `${POLICY('team-a', 'a.example.com')}---\n${POLICY('team-b', 'b.example.com')}`;
    const one = analyzeSources([{ path: 'x.yaml', content: policies }, ...files], config).render
      .resources;
    const two = analyzeSources(
      [...files.slice().reverse(), { path: 'y.yaml', content: `\n\n# moved\n${swapped}` }],
      config,
    ).render.resources;
    expect(resourcesToYaml(two)).toBe(resourcesToYaml(one));
  });
});

const POLICY = (
  name: string,
  host: string,
  extra = '',
): string => `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata:
  name: ${name}
  namespace: istio-egress
spec:
  byEgressGateway:
    name: egressgateway
  egressRules:
  - from:
    - namespace: ${name}
    to:
    - hosts: [${host}]
      port: {name: http, number: 80, protocol: HTTP}
      byEgressGateway: {port: 80}
${extra}`;

function render(yaml: string) {
  return analyzeSources([{ path: 'p.yaml', content: yaml }], DEFAULT_CONFIG);
}

describe('rendering contract details', () => {
  it('links every rendered resource back to the policy line that produced it', () => {
    const { render: out } = render(POLICY('egress-by-egressgateway', 'httpbin.org'));
    const vs = out.resources.find((r) => r.kind === 'VirtualService')!;
    expect(vs.annotations).toEqual({
      'egress-lint.io/source': 'istio-egress/egress-by-egressgateway',
      'egress-lint.io/source-path': 'spec.egressRules[0].to[0]',
    });
    expect(locate(vs, ['spec', 'http', 1, 'match', 0])).toMatchObject({ file: 'p.yaml', line: 11 });
    expect(locate(vs, ['spec', 'hosts'])).toMatchObject({ file: 'p.yaml', line: 13 });
    const gw = out.resources.find((r) => r.kind === 'Gateway')!;
    expect(locate(gw, ['spec', 'servers', 0])).toMatchObject({ line: 15 });
  });

  it('shares equal parts between resources and policies, frozen', () => {
    const analysis = render(
      `${POLICY('egress-by-a', 'httpbin.org')}---\n${POLICY('egress-by-b', 'example.org')}`,
    );
    const out = analysis.render.resources;
    const spec = (kind: string, i: number) =>
      out.filter((r) => r.kind === kind)[i]!.body.spec as Record<string, unknown[]>;
    // One ServiceEntry port list for both policies, and each policy's ServiceEntry and VirtualService
    // share its exportTo and host lists.
    expect(spec('ServiceEntry', 0).ports).toBe(spec('ServiceEntry', 1).ports);
    expect(spec('ServiceEntry', 0).exportTo).toBe(spec('VirtualService', 0).exportTo);
    expect(spec('ServiceEntry', 0).hosts).toBe(spec('VirtualService', 0).hosts);
    // ... which is the policy's own list as written.
    const policy = analysis.configSet.policies.find((p) => p.resource.name === 'egress-by-a')!;
    expect(spec('ServiceEntry', 0).hosts).toBe(policy.destinations[0]!.hosts);
    expect(Object.isFrozen(spec('ServiceEntry', 0).ports)).toBe(true);
    expect(() => (spec('ServiceEntry', 0).hosts as string[]).push('other.org')).toThrow();
    // Gateway servers on the same port number share their port across policies.
    const servers = (i: number) => spec('Gateway', i).servers as { port: object }[];
    expect(servers(0)[0]!.port).toEqual({ number: 80, name: 'https-80', protocol: 'HTTPS' });
    expect(servers(0)[0]!.port).toBe(servers(1)[0]!.port);
    expect(Object.isFrozen(servers(0)[0]!.port)).toBe(true);
  });

  it("a rendered resource is its own origin, and its kind-wide fields are its class's", () => {
    const out = render(POLICY('egress-by-a', 'httpbin.org')).render.resources;
    const [se, vs] = [out.find((r) => r.kind === 'ServiceEntry')!, out.at(-1)!];
    expect(se.rendered).toBe(se);
    expect(se.rendered!.path).toEqual(['spec', 'egressRules', 0, 'to', 0]);
    expect([se.apiVersion, se.group, se.version, se.namespaceDefaulted]).toEqual([
      'networking.istio.io/v1',
      'networking.istio.io',
      'v1',
      false,
    ]);
    // Kept once per class, not by each resource.
    expect(Object.keys(se)).not.toContain('apiVersion');
    expect(Object.getPrototypeOf(se)).toBe(Object.getPrototypeOf(vs));
  });

  it('refuses nothing extra when whole namespaces are listed', () => {
    const { render: out } = render(POLICY('egress-by-egressgateway', 'httpbin.org'));
    const vs = out.resources.find((r) => r.kind === 'VirtualService')!;
    expect((vs.body.spec as { http: { name: string }[] }).http.map((h) => h.name)).toEqual([
      'httpbin-org-80-to-host',
      'httpbin-org-80-via-gateway',
    ]);
    expect(out.resources.find((r) => r.kind === 'DestinationRule')!.body.spec).not.toHaveProperty([
      'subsets',
      1,
    ]);
  });

  it('names gateway subsets after the policy, so two policies on one gateway never share a subset', () => {
    const two = render(
      `${POLICY('egress-by-a', 'httpbin.org')}---\n${POLICY('egress-by-b', 'httpbin.org')}`,
    ).render.resources;
    const subsets = two
      .filter((r) => r.kind === 'DestinationRule')
      .flatMap((r) => (r.body.spec as { subsets: { name: string }[] }).subsets.map((s) => s.name));
    expect(subsets).toEqual(['egress-by-a-httpbin-org-80', 'egress-by-b-httpbin-org-80']);
  });

  it('v1beta1 policies render the same way as v1', () => {
    const v1 = render(POLICY('egress-by-egressgateway', 'httpbin.org')).render.resources;
    const beta = render(
      POLICY('egress-by-egressgateway', 'httpbin.org').replace('/v1\n', '/v1beta1\n'),
    ).render.resources;
    expect(beta.length).toBe(v1.length);
    expect(resourcesToYaml(beta)).toBe(resourcesToYaml(v1));
  });

  it('allocates ports in a stable order independent of document order: TCP/TLS from 10001, HTTP 10000, gRPC 50051', () => {
    const dest = (host: string, proto: string, number: number) =>
      `    - hosts: [${host}]\n      port: {number: ${number}, protocol: ${proto}}\n`;
    const policy = (order: string[]) => `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata: {name: egress-by-egressgateway, namespace: istio-egress}
spec:
  byEgressGateway: {name: egressgateway}
  egressRules:
  - from: [{namespace: apps}]
    to:
${order.join('')}`;
    const dests = [
      dest('z.example.com', 'TCP', 5432),
      dest('a.example.com', 'TLS', 443),
      dest('m.example.com', 'HTTP', 80),
      dest('g.example.com', 'GRPC', 443),
    ];
    const a = render(policy(dests)).render;
    const b = render(policy([...dests].reverse())).render;
    const ports = (r: typeof a) =>
      [...r.allocation.ports.entries()].map(([d, p]) => `${d.hosts[0]}=${p}`).sort();
    expect(ports(a)).toEqual([
      'a.example.com=10001',
      'g.example.com=50051',
      'm.example.com=10000',
      'z.example.com=10002',
    ]);
    expect(ports(b)).toEqual(ports(a));
  });

  it('keeps names within 63 characters, hashing long ones apart', () => {
    const long = 'a-very-long-policy-name-that-goes-on-and-on-and-on-for-quite-a-while';
    const { render: out } = render(
      POLICY(long, 'httpbin.org').replace(`namespace: ${long}`, 'namespace: apps'),
    );
    for (const r of out.resources) {
      expect(r.name.length).toBeLessThanOrEqual(63);
      expect(r.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(new Set(out.resources.map((r) => `${r.kind}/${r.name}`)).size).toBe(
      out.resources.length,
    );
  });

  it('puts everything in the gateway namespace, exported only to it and the from namespaces', () => {
    const yaml =
      POLICY('egress-by-egressgateway', 'httpbin.org') +
      `---
apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata: {name: egressgateway, namespace: gateways}
spec:
  gatewayType: egress
  ports: [{name: http, port: 80}]
`;
    const { render: out } = render(yaml);
    for (const r of out.resources) {
      expect(r.namespace).toBe('gateways');
      const exportTo = (r.body.spec as { exportTo?: string[] }).exportTo;
      if (r.kind !== 'Gateway')
        expect(exportTo?.every((ns) => ['gateways', 'egress-by-egressgateway'].includes(ns))).toBe(
          true,
        );
    }
    expect(out.resources.find((r) => r.kind === 'DestinationRule')!.body.spec).toMatchObject({
      host: 'istio-egressgateway.gateways.svc.cluster.local',
    });
  });

  it('skips policies that fail the schema and still renders the others', () => {
    const bad = POLICY('broken', 'httpbin.org').replace('protocol: HTTP', 'protocol: HTTPX');
    const analysis = render(`${bad}---\n${POLICY('egress-by-egressgateway', 'example.org')}`);
    expect(analysis.findings.map((f) => `${f.line} ${f.ruleId}`)).toEqual(['14 schema']);
    expect(new Set(analysis.render.resources.map((r) => r.rendered!.policy.name))).toEqual(
      new Set(['egress-by-egressgateway']),
    );
  });
});

describe('refusing unselected workloads of a listed namespace', () => {
  const analysis = analyzeRepo('asm-tcp');
  const upgrade = analyzeRepo('asm-https-upgrade');

  function analyzeRepo(name: string) {
    const { files, config } = readRepo(join(SEEDS, name));
    return analyzeSources(files, config);
  }
  const spec = (a: typeof analysis, kind: string, suffix = '') =>
    a.render.resources.find((r) => r.kind === kind && r.name.endsWith(suffix))!.body.spec as Record<
      string,
      unknown
    >;

  it("HTTP: a catch-all 502 after the selected workloads' route (the gateway leg comes first)", () => {
    const http = spec(upgrade, 'VirtualService').http as {
      name: string;
      match: Record<string, unknown>[];
      directResponse?: { status: number };
    }[];
    expect(http.map((h) => h.name)).toEqual([
      'httpbin-service-http-to-host',
      'httpbin-service-http-via-gateway',
      'httpbin-service-http-refuse-unselected',
    ]);
    // Source matches name no gateways: Istio ignores sourceLabels/sourceNamespace in HTTP matches that do.
    expect(http[1]!.match).toEqual([
      { port: 80, sourceLabels: { app: 'sleep-a' }, sourceNamespace: 'mytest' },
    ]);
    expect(http[2]!.match).toEqual([{ gateways: ['mesh'], port: 80 }]);
    expect(http[2]!.directResponse!.status).toBe(502);
  });

  it('TCP/TLS: a catch-all route to the gateway subset whose SNI no gateway server accepts', () => {
    const tcp = spec(analysis, 'VirtualService').tcp as {
      match: { sourceLabels?: unknown; gateways: string[] }[];
      route: { destination: { subset?: string } }[];
    }[];
    expect(tcp.map((t) => t.route[0]!.destination.subset ?? 'host')).toEqual([
      'egress-by-egressgateway-aliyun-service-tcp',
      'egress-by-egressgateway-egress-lint-refused',
      'host',
    ]);
    expect(tcp[1]!.match).toEqual([{ gateways: ['mesh'], port: 443 }]);
    const subsets = spec(analysis, 'DestinationRule', '-gateway').subsets as {
      name: string;
      trafficPolicy: { portLevelSettings: { tls: { sni: string } }[] };
    }[];
    const refused = subsets.find((s) => s.name === 'egress-by-egressgateway-egress-lint-refused')!;
    expect(refused.trafficPolicy.portLevelSettings[0]!.tls.sni).toBe('refused.egress-lint.invalid');
    const servers = spec(analysis, 'Gateway').servers as { hosts: string[] }[];
    expect(servers.flatMap((s) => s.hosts)).not.toContain('refused.egress-lint.invalid');
  });

  it('httpsUpgrade: the upgrade port is explicit too (selected workloads direct, others refused)', () => {
    const tls = spec(upgrade, 'VirtualService').tls as {
      match: { port: number; sourceLabels?: unknown }[];
      route: { destination: { host: string; subset?: string } }[];
    }[];
    expect(
      tls.map((t) => [
        t.match[0]!.port,
        t.match[0]!.sourceLabels ? 'selected' : 'others',
        t.route[0]!.destination.subset ?? t.route[0]!.destination.host,
      ]),
    ).toEqual([
      [443, 'selected', 'www.httpbin.org'],
      [443, 'others', 'egress-by-egressgateway-egress-lint-refused'],
    ]);
    const origination = upgrade.render.resources.find((r) => r.name.endsWith('-tls-origination'))!;
    expect((origination.body.spec as { exportTo: string[] }).exportTo).toEqual(['istio-system']);
  });
});
