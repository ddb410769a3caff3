import { defineRule } from '../src/lint/rule.js';
import type { GatewayPort } from '../src/model/egress-gateway.js';
import type { Destination } from '../src/model/egress-policy.js';
import { protocolClass, protocolFromPortName } from '../src/model/protocol.js';

/**
 * ASM carries each destination on the gateway listener `byEgressGateway.port`, and reads a gateway
 * port's protocol from its name (`http`, `https-444`, `tls-445`...). HTTP-class destinations (HTTP,
 * HTTP2, GRPC) belong on HTTP-class ports; HTTPS, TLS and TCP destinations are opaque to the gateway
 * and belong on TLS/TCP-class ports. A port the gateway does not have is never opened.
 */
export default defineRule({
  meta: {
    id: 'gateway-port-mismatch',
    severity: 'error',
    description:
      "to[].byEgressGateway.port is not a port of the egress gateway, or its protocol does not fit the destination's; or a destination port name contradicts its protocol",
    kinds: ['ASMEgressTrafficPolicy', 'IstioGateway'],
  },
  check({ configSet, report }) {
    for (const policy of configSet.policies) {
      // Undeclared gateways are gateway-not-found's business; ingress gateways too.
      const gw = configSet.isDeclaredGateway(policy.gateway)
        ? configSet.gateway(policy.gateway)
        : undefined;
      const checkGateway = gw?.gatewayType === 'egress';
      for (const d of policy.destinations) {
        const named = protocolFromPortName(d.port.name);
        if (named && named !== d.port.protocol) {
          report({
            resource: policy.resource,
            path: [...d.path, 'port', 'name'],
            severity: 'warning',
            message: `port name "${d.port.name}" says ${named} but the protocol is ${d.port.protocol}; Istio goes by the protocol, people and tools reading the name are misled (name it "${d.port.protocol.toLowerCase()}" or "${d.port.protocol.toLowerCase()}-<suffix>")`,
          });
        }
        // Allocated ports (v1, no port written) are opened by ASM itself.
        if (!checkGateway || d.gatewayPort === undefined) continue;
        const path = [...d.path, 'byEgressGateway', 'port'];
        const port = gw.ports.find((p) => p.port === d.gatewayPort);
        const fitting = gw.ports.filter((p) => fits(p, d));
        const advice = fitting.length
          ? `; use ${fitting.map(describePort).join(' or ')}`
          : `; none of its ports fits, add ${wants(d)} port to IstioGateway ${gw.namespace}/${gw.name}`;
        if (!port) {
          report({
            resource: policy.resource,
            path,
            message: `egress gateway ${gw.name} has no port ${d.gatewayPort} (its ports: ${gw.ports.map(describePort).join(', ') || 'none'})${advice}`,
          });
        } else if (port.protocol && !fits(port, d)) {
          report({
            resource: policy.resource,
            path,
            message: `gateway port ${describePort(port)} carries ${port.protocol}, but this destination is ${d.port.protocol}, which needs ${wants(d)} port${advice}`,
          });
        }
      }
    }
  },
});

/** HTTP-class destinations on HTTP-class ports; opaque ones (HTTPS/TLS/TCP) on TLS/TCP ports. UDP never fits. */
function fits(port: GatewayPort, d: Destination): boolean {
  if (!port.protocol || port.protocol === 'UDP') return false;
  return (protocolClass(port.protocol) === 'http') === (d.protocolClass === 'http');
}

function wants(d: Destination): string {
  return d.protocolClass === 'http'
    ? 'an HTTP-class (http, http2, grpc)'
    : 'a TLS/TCP-class (https, tls, tcp)';
}

function describePort(p: GatewayPort): string {
  return `${p.port} ("${p.name}")`;
}
