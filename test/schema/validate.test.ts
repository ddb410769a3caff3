import { describe, expect, it } from 'vitest';
import { loadSources } from '../../src/load/load.js';
import { validateResource } from '../../src/schema/validate.js';

const check = (yaml: string) =>
  loadSources([{ path: 'r.yaml', content: yaml }]).resources.flatMap((r) =>
    validateResource(r).map((f) => `${f.line}:${f.column} ${f.message}`),
  );

const policy = (version: string, to: string) => `apiVersion: istio.alibabacloud.com/${version}
kind: ASMEgressTrafficPolicy
metadata:
  name: egress-by-egressgateway
  namespace: istio-egress
spec:
  byEgressGateway:
    name: egressgateway
  egressRules:
  - from:
    - namespace: mytest
    to:
    - hosts: [httpbin.org]
${to}`;

describe('ASMEgressTrafficPolicy schema', () => {
  it('accepts the seed policies', () => {
    expect(
      check(
        policy(
          'v1',
          '      port: {name: http, number: 80, protocol: HTTP}\n      byEgressGateway: {port: 80}\n',
        ),
      ),
    ).toEqual([]);
    expect(
      check(
        policy(
          'v1',
          '      port: {name: tcp, number: 443, protocol: TCP}\n      byEgressGateway: {}\n',
        ),
      ),
    ).toEqual([]);
  });

  it('admits an IP or upper-case host: what Istio does with it is the render stage finding (istio-rejects.ts)', () => {
    const to = '      port: {name: http, number: 80, protocol: HTTP}\n';
    const withIp = policy('v1', to).replace(
      'hosts: [httpbin.org]',
      'hosts: [httpbin.org, 10.0.0.6]',
    );
    expect(check(withIp)).toEqual([]);
    const upper = policy('v1', to).replace('hosts: [httpbin.org]', 'hosts: [HTTPBIN.org]');
    expect(check(upper)).toEqual([]);
  });

  it('v1 may leave the gateway port out, v1beta1 may not', () => {
    const to = '      port: {name: http, number: 80, protocol: HTTP}\n';
    expect(check(policy('v1', to))).toEqual([]);
    expect(check(policy('v1beta1', to))).toEqual([
      '13:7 spec.egressRules[0].to[0].byEgressGateway is required',
    ]);
    expect(check(policy('v1beta1', `${to}      byEgressGateway: {}\n`))).toEqual([
      '15:7 spec.egressRules[0].to[0].byEgressGateway.port is required',
    ]);
  });

  it('points at the offending field with a readable message', () => {
    expect(
      check(
        policy(
          'v1',
          '      port: {name: http, number: 80000, protocol: http}\n      byEgressGateway: {prot: 80}\n      extra: 1\n',
        ),
      ),
    ).toEqual([
      '14:26 spec.egressRules[0].to[0].port.number must be <= 65535 (got 80000)',
      '14:41 spec.egressRules[0].to[0].port.protocol must be one of "HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS" (got "http")',
      '15:25 unknown field spec.egressRules[0].to[0].byEgressGateway.prot (did you mean port?)',
      '16:7 unknown field spec.egressRules[0].to[0].extra',
    ]);
  });

  it('checks names, hosts and list sizes', () => {
    const yaml = policy('v1', '      port: {number: 80, protocol: HTTP}\n')
      .replace('[httpbin.org]', '["bad host!", httpbin.org, httpbin.org]')
      .replace('namespace: mytest', 'namespace: My_Test');
    expect(check(yaml)).toEqual([
      '11:7 spec.egressRules[0].from[0].namespace "My_Test" is not a DNS-1123 label (lower case letters, digits and "-", at most 63 characters)',
      '13:7 spec.egressRules[0].to[0].hosts lists the same item twice (items 1 and 2)',
      '13:15 spec.egressRules[0].to[0].hosts[0] "bad host!" is not a host name such as api.example.com or *.example.com',
    ]);
  });

  it('names the versions it knows when given another', () => {
    expect(check(policy('v2', '      port: {number: 80, protocol: HTTP}\n'))).toEqual([
      '1:1 ASMEgressTrafficPolicy istio.alibabacloud.com/v2 is not a version egress-lint knows; use istio.alibabacloud.com/v1 or istio.alibabacloud.com/v1beta1',
    ]);
  });
});

describe('IstioGateway schema', () => {
  it('requires ports and a gateway type, allows other ASM fields', () => {
    expect(
      check(
        'apiVersion: istio.alibabacloud.com/v1beta1\nkind: IstioGateway\nmetadata: {name: g, namespace: istio-system}\nspec:\n  clusterIds: [c1]\n  ports: [{name: http, port: 80}]\n',
      ),
    ).toEqual(['4:1 spec.gatewayType is required']);
  });
});

describe("Istio's own schemas, plus what the API server and webhook check", () => {
  it('reports unknown fields with a suggestion (the API server would drop them)', () => {
    expect(
      check(`apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [edition.cnn.com]
  tls:
  - match:
    - port: 443
      sni_hosts: [edition.cnn.com]
    route:
    - destination: {host: edition.cnn.com}
      wieght: 100
`),
    ).toEqual([
      '8:7 spec.tls[0].match[0].sniHosts is required',
      '9:7 unknown field spec.tls[0].match[0].sni_hosts (did you mean sniHosts?); the API server drops it, so it has no effect',
      '12:7 unknown field spec.tls[0].route[0].wieght (did you mean weight?); the API server drops it, so it has no effect',
    ]);
  });

  it('gives the same answers field by field however often a place is asked about', () => {
    // Known fields are remembered per kind and place; other indices, kinds and versions must not mix.
    const se = (version: string, port: string) => `apiVersion: networking.istio.io/${version}
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: [a.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  - {${port}}
`;
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [a.example.com]
  ports: []
  http:
  - route:
    - destination: {host: a.example.com, port: {number: 80, name: http}}
`;
    const twice = [1, 2].flatMap(() => [
      ...check(se('v1', 'number: 81, name: b, targetPort: 8081')),
      ...check(se('v1', 'number: 82, name: c, protcol: TCP')),
      ...check(se('v1beta1', 'number: 83, name: d, target_port: 8083')),
      ...check(vs),
    ]);
    const once = [
      '8:27 unknown field spec.ports[1].protcol (did you mean protocol?); the API server drops it, so it has no effect',
      '8:27 unknown field spec.ports[1].target_port (did you mean targetPort?); the API server drops it, so it has no effect',
      '6:3 unknown field spec.ports (did you mean hosts?); the API server drops it, so it has no effect',
      '9:61 unknown field spec.http[0].route[0].destination.port.name; the API server drops it, so it has no effect',
    ];
    expect(twice).toEqual([...once, ...once]);
  });

  it('checks port ranges, enums and subset names', () => {
    expect(
      check(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: [a.example.com]
  resolution: DNZ
  ports: [{number: 0, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: a.example.com
  subsets: [{name: Target-mTLS}]
`),
    ).toEqual([
      '6:3 spec.resolution must be one of "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS" (got "DNZ")',
      '7:12 spec.ports[0].number must be a port number from 1 to 65535 (got 0)',
      '14:14 subset name "Target-mTLS" is not a DNS-1123 label (lower case letters, digits and "-"); Istio rejects this DestinationRule',
    ]);
  });

  it('rejects host * on a VirtualService for sidecars, as Istio validation does (so no sidecar has an sniHost *)', () => {
    const vs = (gateways: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: all, namespace: default}
spec:
  hosts: ["*"]
${gateways}  tls:
  - match: [{port: 443, sniHosts: ["*", api.example.com]}]
    route: [{destination: {host: api.example.com}}]
`;
    const rejected =
      '5:11 host * is not allowed for a VirtualService bound to the mesh (sidecars); Istio rejects it ("wildcard host * is not allowed for virtual services bound to the mesh gateway"): name the hosts, or bind it only to gateways';
    expect(check(vs(''))).toEqual([rejected]);
    expect(check(vs('  gateways: [mesh, istio-system/egress]\n'))).toEqual([rejected]);
    expect(check(vs('  gateways: [istio-system/egress]\n'))).toEqual([]);
  });

  it('rejects a Gateway without servers, as Istio validation does', () => {
    expect(
      check(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: empty, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: []
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: none, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
`),
    ).toEqual([
      '6:3 Gateway has no servers; Istio rejects it ("gateway must have at least one server"), so no VirtualService binds to it: add a server (port, protocol, hosts) or delete the Gateway',
      '11:1 Gateway has no servers; Istio rejects it ("gateway must have at least one server"), so no VirtualService binds to it: add a server (port, protocol, hosts) or delete the Gateway',
    ]);
  });

  it('accepts valid Istio resources of every supported version without complaint', () => {
    expect(
      check(`apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata: {name: deny-post, namespace: istio-system, labels: {team: a}}
spec:
  action: DENY
  selector: {matchLabels: {istio: egressgateway}}
  rules:
  - to: [{operation: {methods: [POST], hosts: [httpbin.org]}}]
    from: [{source: {namespaces: [mytest]}}]
status: {anything: goes}
`),
    ).toEqual([]);
  });
});

describe("ServiceEntry hosts and addresses Istio's webhook rejects (ValidateServiceEntry)", () => {
  const se = (spec: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  ports: [{number: 443, name: tls, protocol: TLS}]
${spec}`;

  it('hosts that are not DNS names: IPs, CIDR blocks, host:port, empty, "*", "_"', () => {
    expect(
      check(se(`  hosts: [10.0.0.5, 10.1.0.0/16, "a.example.com:8080", "", "*", a_b.example.com]`)),
    ).toEqual([
      '6:11 Istio rejects this ServiceEntry: host "10.0.0.5", an IP address (addresses go under spec.addresses)',
      '6:21 Istio rejects this ServiceEntry: host "10.1.0.0/16", a CIDR block (addresses go under spec.addresses)',
      '6:34 Istio rejects this ServiceEntry: host "a.example.com:8080" with a port (ports go under spec.ports)',
      '6:56 Istio rejects this ServiceEntry: an empty host',
      '6:60 Istio rejects this ServiceEntry: the host "*" (a ServiceEntry cannot register every host)',
      '6:65 Istio rejects this ServiceEntry: host "a_b.example.com" (not a DNS name: labels of letters, digits and "-", a "*." prefix at most)',
    ]);
  });

  it('upper case is a DNS name to Istio (pkg/config/labels dns1123LabelFmt takes A-Z)', () => {
    expect(check(se(`  hosts: [API.Example.com, "*.Example.com"]`))).toEqual([]);
  });

  it('wildcard hosts resolved by DNS without endpoints; NONE and DYNAMIC_DNS take them', () => {
    expect(check(se(`  hosts: ["*.example.com"]\n  resolution: DNS`))).toEqual([
      '6:11 Istio rejects this ServiceEntry: the wildcard host "*.example.com" cannot be resolved by DNS (resolution DNS without endpoints); use resolution NONE or DYNAMIC_DNS',
    ]);
    expect(check(se(`  hosts: ["*.example.com"]\n  resolution: DYNAMIC_DNS`))).toEqual([]);
    expect(check(se(`  hosts: ["*.example.com", example.com.]`))).toEqual([]);
  });

  it('addresses: IPs and CIDR blocks only, CIDR blocks with resolution NONE or STATIC', () => {
    expect(
      check(
        se(
          `  hosts: [a.example.com]\n  addresses: [10.0.0.5, 10.2.0.0/16, 10.0.0.300, 10.0.0.0/40]`,
        ),
      ),
    ).toEqual([
      '7:38 Istio rejects this ServiceEntry: "10.0.0.300" is not an IP address',
      '7:50 Istio rejects this ServiceEntry: "10.0.0.0/40" is not a CIDR block',
    ]);
    expect(
      check(se(`  hosts: [a.example.com]\n  addresses: [10.2.0.0/16]\n  resolution: DNS`)),
    ).toEqual([
      '8:3 Istio rejects this ServiceEntry: the CIDR block 10.2.0.0/16 in addresses needs resolution NONE or STATIC, not DNS',
    ]);
  });
});

describe('Gateway API schema (the fields egress-lint reads)', () => {
  const gateway = (listener: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egress, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - ${listener}
`;

  it("accepts the istio.io tasks' Gateways and routes, other fields unchecked", () => {
    expect(
      check(
        gateway(
          '{name: tls, hostname: edition.cnn.com, port: 443, protocol: TLS, tls: {mode: Passthrough}, x-anything: 1}',
        ) +
          `---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: forward, namespace: default}
spec:
  parentRefs: [{name: egress}]
  hostnames: [edition.cnn.com]
  rules:
  - backendRefs: [{kind: Hostname, group: networking.istio.io, name: edition.cnn.com, port: 443}]
`,
      ),
    ).toEqual([]);
  });

  it('gives a finding at the field for what egress-lint reads with the wrong type or missing', () => {
    const found = check(
      gateway('{name: http, port: "80", protocol: HTTP}') +
        `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: forward, namespace: default}
spec:
  parentRefs: [{namespace: default}]
`,
    );
    expect(found).toHaveLength(2);
    expect(found[0]).toBe('7:18 spec.listeners[0].port must be an integer (got "80")');
    expect(found[1]).toBe('13:16 spec.parentRefs[0].name is required');
  });
});
