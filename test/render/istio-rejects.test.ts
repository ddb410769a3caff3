/**
 * A policy host Istio does not take as a ServiceEntry host (an IP): Istio rejects the ServiceEntry
 * rendered for that destination (and its TLS origination DestinationRule when the IP is the first
 * host), nothing else. The policy is still rendered and simulated; the finding says what Istio does.
 */
import { describe, expect, it } from 'vitest';
import { RULES } from '../../rules/index.js';
import { analyzeSources, istioIndexOf } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { lint } from '../../src/lint/engine.js';
import { KIND } from '../../src/model/kinds.js';
import { decisionText, simulatorFor } from '../simulate/helpers.js';

const GATEWAY = `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata: {name: egressgateway, namespace: istio-system}
spec:
  gatewayType: egress
  ports:
  - {name: http, port: 80, targetPort: 80}
  - {name: https-444, port: 444, targetPort: 444}
  - {name: tls-445, port: 445, targetPort: 445}
  podLabels: {security.istio.io/tlsMode: istio}
`;

const policy = (to: string): string => `apiVersion: istio.alibabacloud.com/v1
kind: ASMEgressTrafficPolicy
metadata: {name: egress-by-egressgateway, namespace: istio-egress}
spec:
  byEgressGateway: {name: egressgateway}
  egressRules:
  - from:
    - namespace: mytest
    to:
    - name: with-ip
${to}    - name: fine
      hosts: [api.example.com]
      port: {name: tls, number: 443, protocol: TLS}
      byEgressGateway: {port: 445}
`;

const HTTPS_WITH_IP = `      hosts: [www.httpbin.org, httpbin.org, 10.0.0.6]
      port: {name: https, number: 443, protocol: HTTPS}
      byEgressGateway: {port: 444}
`;

const analyze = (to: string, mode = 'REGISTRY_ONLY') =>
  analyzeSources(
    [
      { path: 'gateway.yaml', content: GATEWAY },
      { path: 'policy.yaml', content: policy(to) },
    ],
    parseProjectConfig(`mesh:\n  outboundTrafficPolicy: ${mode}\n`),
  );

const renderFindings = (a: ReturnType<typeof analyze>) =>
  a.findings.filter((f) => f.ruleId === 'render').map((f) => `${f.line}:${f.column} ${f.message}`);

describe('a policy host that is an IP address', () => {
  it('keeps the policy: only the ServiceEntry of that destination is rejected, the rest is rendered and modelled', () => {
    const a = analyze(HTTPS_WITH_IP);
    expect(a.findings.filter((f) => f.ruleId === 'schema')).toEqual([]);
    expect(a.configSet.invalid.size).toBe(0);
    // Written as rendered (kubectl would be refused it), but not in the model.
    const entries = a.render.resources.filter((r) => r.kind === KIND.serviceEntry);
    expect(entries.map((r) => r.body.spec)).toHaveLength(2);
    expect([...a.render.rejected].map((r) => `${r.kind} ${r.name}`)).toEqual([
      'ServiceEntry egress-by-egressgateway-with-ip',
    ]);
    const index = istioIndexOf(a);
    expect(index.serviceEntriesForHost('httpbin.org')).toEqual([]);
    expect(index.serviceEntriesForHost('api.example.com')).toHaveLength(1);
    expect(index.ofKind(KIND.gateway)).toHaveLength(1);
    expect(index.ofKind(KIND.virtualService)).toHaveLength(2);

    expect(renderFindings(a)).toEqual([
      "11:45 10.0.0.6 is an IP address, and Istio takes only DNS names as ServiceEntry hosts: it rejects the ServiceEntry rendered for this destination whole, so none of www.httpbin.org, httpbin.org and 10.0.0.6 is registered, while the Gateway server, VirtualService and DestinationRule subset rendered for it are accepted. Under REGISTRY_ONLY sidecars in mytest drop the traffic (connection refused); the policy's other destinations are not affected. Name the hosts by DNS name (an address is registered by a ServiceEntry's spec.addresses)",
    ]);

    const explain = simulatorFor(a);
    expect(explain('mytest', 'https://httpbin.org').verdict).toBe('blocked-unregistered');
    expect(decisionText(explain('mytest', 'https://httpbin.org'))).toContain(
      'ServiceEntry istio-system/egress-by-egressgateway-with-ip names httpbin.org but Istio rejects it',
    );
    expect(explain('mytest', 'https://www.httpbin.org').verdict).toBe('blocked-unregistered');
    // The other destination of the same policy still goes through the gateway.
    expect(explain('mytest', 'https://api.example.com').verdict).toBe('allowed-via-gateway');
  });

  it('outside REGISTRY_ONLY the finding says the traffic goes straight out, as the simulator does', () => {
    const a = analyze(HTTPS_WITH_IP, 'ALLOW_ANY');
    expect(renderFindings(a)[0]).toContain(
      'Outside REGISTRY_ONLY sidecars in mytest send it straight to the hosts, around the egress gateway;',
    );
    expect(simulatorFor(a)('mytest', 'https://httpbin.org').verdict).toBe('allowed-direct');
  });

  it('HTTP on port 80 still reaches the gateway, which has no service to send it to', () => {
    const a = analyze(`      hosts: [httpbin.org, 10.0.0.6]
      port: {name: http, number: 80, protocol: HTTP}
      byEgressGateway: {port: 80}
`);
    expect(renderFindings(a)[0]).toContain(
      'Sidecars in mytest still send HTTP on port 80 to the egress gateway, which has no service httpbin.org:80 to forward to: requests get 503;',
    );
    expect(simulatorFor(a)('mytest', 'http://httpbin.org').verdict).toBe('broken');
  });

  it('an IP as the first host of an httpsUpgrade destination also gets its TLS origination rule rejected', () => {
    const a = analyze(`      hosts: [10.0.0.6, httpbin.org]
      port: {name: http, number: 8080, protocol: HTTP}
      byEgressGateway: {port: 80}
      httpsUpgrade: {enabled: true, port: 443}
`);
    expect([...a.render.rejected].map((r) => r.kind).sort()).toEqual([
      KIND.destinationRule,
      KIND.serviceEntry,
    ]);
    expect(renderFindings(a)[0]).toMatch(
      /^11:15 10\.0\.0\.6 is an IP address, and Istio takes only DNS names as ServiceEntry hosts: it rejects the ServiceEntry and the TLS origination DestinationRule rendered for this destination whole/,
    );
  });

  it('lint reports the rejection once, on the host, and nothing it follows from on the rendered resources', () => {
    const a = analyze(HTTPS_WITH_IP);
    const config = parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n');
    const errors = lint(a, config, RULES).findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => `${f.ruleId} ${f.line}:${f.column}`)).toEqual(['render 11:45']);
  });
});
