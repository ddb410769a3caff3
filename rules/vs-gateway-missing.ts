import { defineRule } from '../src/lint/rule.js';
import { likelyRef, writtenAt } from '../src/lint/describe.js';
import { listText } from '../src/lint/wording.js';
import {
  gatewayRef,
  gatewayServers,
  isVisibleTo,
  labelsText,
  MESH,
  virtualServiceHosts,
  normalizeGatewayRef,
  routesOf,
  serverAdmitsVirtualService,
  stringList,
  vsGateways,
} from '../src/model/istio.js';
import { GATEWAY_API_GROUP, KIND } from '../src/model/kinds.js';
import { get, type Resource } from '../src/model/resource.js';

/**
 * How a VirtualService attaches to proxies (pilot/pkg/model/push_context.go VirtualServicesForGateway,
 * route.go): `gateways` lists where it applies (`mesh` = sidecars, implied only when the list is
 * empty); each name must be a Gateway that exists; the gateway's proxies must see the VirtualService
 * (exportTo) and a server of the Gateway must accept one of its hosts; a match's own `gateways` only
 * narrow the VirtualService's.
 */
export default defineRule({
  meta: {
    id: 'vs-gateway-missing',
    severity: 'error',
    description:
      'VirtualService that does not attach where its routes need it: mesh left out, unknown Gateway, not exported to the gateway, hosts no server accepts, match gateways it is not bound to',
    kinds: ['VirtualService', 'Gateway'],
  },
  check({ index, configSet, report }) {
    const invalidGateways = new Map(
      [...configSet.invalid].filter((r) => r.kind === KIND.gateway).map((g) => [gatewayRef(g), g]),
    );
    const gatewayApiGateways = new Set(
      configSet.resources.filter(isGatewayApiGateway).map((g) => gatewayRef(g)),
    );
    for (const vs of index.ofKind(KIND.virtualService)) {
      const listed = stringList(get(vs.body, ['spec', 'gateways']));
      const bound = vsGateways(vs);
      const hosts = virtualServiceHosts(vs);

      if (listed.length > 0 && !bound.includes(MESH)) {
        const sidecarLegs = sidecarLegRoutes(vs, (h) => index.gatewayWorkloadForHost(h));
        if (sidecarLegs.length > 0) {
          report({
            resource: vs,
            path: ['spec', 'gateways'],
            message: `gateways does not list mesh, so sidecars never use this VirtualService: ${listText(sidecarLegs)} never appl${sidecarLegs.length === 1 ? 'ies' : 'y'}; add mesh to gateways`,
          });
        }
      }

      listed.forEach((name, i) => {
        if (name === MESH) return;
        const ref = normalizeGatewayRef(name, vs.namespace);
        const gateway = index.gatewayByRef(ref);
        if (!gateway && gatewayApiGateways.has(ref)) {
          report({
            resource: vs,
            path: ['spec', 'gateways', i],
            message: `${ref} is a Gateway API Gateway (gateway.networking.k8s.io), and a VirtualService binds only to Istio Gateways (networking.istio.io): Istio turns a Gateway API Gateway into internal Gateways of other names, so the routes for it apply nowhere; attach an HTTPRoute, TLSRoute or TCPRoute to it (parentRefs: ${ref}), or bind this VirtualService to an Istio Gateway`,
          });
          return;
        }
        if (!gateway) {
          const invalid = invalidGateways.get(ref);
          if (invalid) {
            report({
              resource: vs,
              path: ['spec', 'gateways', i],
              message: `Gateway ${ref} fails validation, so Istio rejects it and nothing binds this VirtualService there: this follows from its schema findings (the Gateway is at ${writtenAt(invalid, ['metadata', 'name'])}); fix the Gateway first`,
            });
            return;
          }
          // A Gateway kept elsewhere (another repository, a chart) binds it all the same: only a
          // name close to one the repository has is surely a mistake.
          const guess = likelyRef(ref, index.ofKind(KIND.gateway).map(gatewayRef));
          const meaning = name.includes('/')
            ? ''
            : ` (a name without namespace means ${vs.namespace})`;
          report({
            resource: vs,
            path: ['spec', 'gateways', i],
            ...(guess ? {} : { severity: 'warning' as const }),
            message: guess
              ? `no Gateway ${ref} in the config set${meaning}; did you mean ${guess}? The routes for ${ref} apply nowhere`
              : `the repository shows no Gateway ${ref}${meaning}: unless the cluster has it from elsewhere, the routes for it apply nowhere`,
          });
          return;
        }
        const proxyNamespaces = index.gatewayProxyNamespaces(gateway);
        const unseen = proxyNamespaces.filter((ns) => !isVisibleTo(vs, ns));
        if (unseen.length === proxyNamespaces.length) {
          // Sure only where the repository shows the gateway's pods there; else a warning.
          const workloads = index.gatewayWorkloadsOf(gateway);
          const assumed = workloads.every((w) => w.namespaceAssumed);
          report({
            resource: vs,
            path: ['spec', 'exportTo'],
            ...(assumed ? { severity: 'warning' as const } : {}),
            message: assumed
              ? `exportTo leaves out ${listText(unseen)}, where egress-lint assumes the pods of Gateway ${ref} run: the repository shows no Deployment, Service, IstioOperator or IstioGateway for ${workloads.length > 0 ? `pods ${workloads.map((w) => labelsText(w.labels)).join(', ')}` : 'them'} there; if they run there, that gateway never sees this VirtualService`
              : `exportTo leaves out ${listText(unseen)}, where the pods of Gateway ${ref} run, so that gateway never sees this VirtualService`,
          });
        }
        const servers = gatewayServers(gateway);
        const admits = servers.some((s) => serverAdmitsVirtualService(s, vs));
        if (servers.length > 0 && !admits) {
          // A warning, as istioctl's VirtualServiceHostNotFoundInGateway: the VirtualService may
          // still serve the sidecars, and only the gateway's part of it is lost.
          report({
            resource: vs,
            path: ['spec', 'gateways', i],
            severity: 'warning',
            message: `no server of Gateway ${ref} accepts ${listText(hosts)} (server hosts: ${listText([...new Set(servers.flatMap((s) => s.hosts))])}), so the gateway ignores this VirtualService`,
          });
        }
      });

      for (const route of routesOf(vs)) {
        for (const { match, path } of route.matches) {
          stringList(get(match, ['gateways'])).forEach((name, k) => {
            const ref = normalizeGatewayRef(name, vs.namespace);
            if (bound.includes(ref)) return;
            report({
              resource: vs,
              path: [...path, 'gateways', k],
              message: `${name} is not among this VirtualService's gateways (${listText(bound)}); Istio picks VirtualServices by their gateways first, so this match never applies`,
            });
          });
        }
      }
    }
  },
});

/** A Kubernetes Gateway API Gateway, which shares the kind name with Istio's Gateway. */
function isGatewayApiGateway(r: Resource): boolean {
  return r.kind === 'Gateway' && r.group === GATEWAY_API_GROUP;
}

/** Routes only sidecars can use: source-restricted matches, or destinations that are an egress gateway. */
function sidecarLegRoutes(vs: Resource, gatewayForHost: (host: string) => unknown): string[] {
  const out: string[] = [];
  for (const route of routesOf(vs)) {
    const name = `${route.kind}[${route.index}]`;
    const ownGateways = route.matches.every((m) => m.conditions.gateways.length > 0);
    if (ownGateways) continue;
    const sourced = route.matches.some(
      ({ match }) => match?.sourceLabels !== undefined || match?.sourceNamespace !== undefined,
    );
    const toGateway = route.destinations.find((d) => gatewayForHost(d.host));
    if (sourced) out.push(`${name} (matches on its source)`);
    else if (toGateway) out.push(`${name} (sends to the egress gateway ${toGateway.host})`);
  }
  return out;
}
