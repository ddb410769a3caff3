import { defineRule } from '../src/lint/rule.js';
import { severityForClients } from '../src/lint/clients.js';
import { listText } from '../src/lint/wording.js';
import {
  describeGatewayWorkload,
  describeNamespaces,
  everyNamespace,
  serverExpectsMeshMtls,
  serversByPort,
  TLS_MODE_LABEL,
  type GatewayServer,
  type GatewayWorkload,
} from '../src/model/istio.js';
import { isRefusedSubset, REFUSED_SNI } from '../src/render/render.js';
import type { GatewayClient } from '../src/model/istio.js';
import { describe, describeOrigin, identityKey, type Resource } from '../src/model/resource.js';
import type { FieldPath } from '../src/model/field-path.js';

/**
 * Sidecar -> egress gateway TLS must line up. A server with `tls.mode: ISTIO_MUTUAL` (or MUTUAL with
 * Istio's file-mounted certificates, as in seed 004) accepts only the mesh's mTLS, and only with an SNI
 * whose filter chain is its own (an exact host, else the longest wildcard, else a `*` server of the
 * port; pilot/pkg/networking/core/listener.go toFilterChainMatch). What a
 * client sends comes from the DestinationRule on its lookup path (tls.mode, sni); with none, auto mTLS
 * sends ISTIO_MUTUAL to pods labelled `security.istio.io/tlsMode: istio`, with the SNI
 * `outbound_.<port>_.<subset>_.<host>` (cluster_builder.go), which only a `*` server accepts (seeds
 * 002/003). And the reverse: mTLS sent to a server that does not terminate it fails as well.
 * An error when sidecars the repository shows are hit (src/lint/clients.ts), else a warning.
 */
export default defineRule({
  meta: {
    id: 'gateway-tls-mismatch',
    severity: 'error',
    description:
      'Sidecar-to-egress-gateway TLS that does not fit the Gateway server: mTLS mode or SNI',
    kinds: [
      'Gateway',
      'DestinationRule',
      'VirtualService',
      'IstioGateway',
      'ASMEgressTrafficPolicy',
    ],
  },
  check({ index, report }) {
    const all = everyNamespace(index);
    const serverText = (ss: readonly GatewayServer[]): string =>
      listText(
        ss.map(
          (s) =>
            `${describeOrigin(s.gateway)} server port ${s.port} (${s.tlsMode ? `tls.mode ${s.tlsMode}` : 'no TLS'}, hosts ${s.hosts.join(', ')})`,
        ),
      );
    interface Problem {
      resource: Resource;
      path: FieldPath;
      namespaces: Set<string>;
      message: (clients: string) => string;
    }
    const problems = new Map<string, Problem>();
    const add = (
      resource: Resource,
      path: FieldPath,
      key: string,
      ns: string,
      message: Problem['message'],
    ): void => {
      const k = `${identityKey(resource)}|${path.join('.')}|${key}`;
      let p = problems.get(k);
      if (!p) problems.set(k, (p = { resource, path, namespaces: new Set(), message }));
      p.namespaces.add(ns);
    };

    interface ServersOnPort {
      /** The servers the port has, as Istio keeps them. */
      all: readonly GatewayServer[];
      /** The ones that require the mesh's mTLS, and whether the one an SNI selects is one of them. */
      mesh: GatewayServer[];
      /** The TLS server whose filter chain takes a connection with this SNI. */
      forSni: (sni: string | undefined) => GatewayServer | undefined;
    }
    const portsOf = new Map<GatewayWorkload, Map<number, ServersOnPort>>();
    const serversOn = (w: GatewayWorkload, port: number): ServersOnPort | undefined => {
      let byPort = portsOf.get(w);
      if (!byPort) {
        portsOf.set(w, (byPort = new Map()));
        for (const [p, on] of serversByPort(w.gateways)) {
          const all = on.plaintext ? [on.plaintext] : on.servers;
          byPort.set(p, { all, mesh: on.tls.filter(serverExpectsMeshMtls), forSni: on.forSni });
        }
      }
      return byPort.get(port);
    };

    for (const client of index.gatewayClients()) {
      if (!client.tls.subsetResolved) continue; // the route fails before TLS: dr-subset-missing / dr-lookup-path
      if (isDeliberateRefusal(client)) continue;
      const servers = serversOn(client.workload, client.port);
      if (!servers) continue;
      const { mode, sni, auto, setting: at } = client.tls;
      // Envoy picks one filter chain by SNI; it must be a server that terminates the mesh's mTLS.
      const taker = servers.forSni(sni);
      if (
        servers.mesh.length > 0 &&
        (mode === 'ISTIO_MUTUAL' || mode === 'unknown') &&
        taker !== undefined &&
        serverExpectsMeshMtls(taker)
      )
        continue;
      if (servers.mesh.length === 0 && mode !== 'ISTIO_MUTUAL') continue;

      // Something does not fit: say what, where it was set.
      const where = `${describeGatewayWorkload(client.workload)} port ${client.port}`;
      const mesh = serverText(servers.mesh);
      const destination: [Resource, FieldPath] = [
        client.use.vs,
        [...client.use.destination.path, 'host'],
      ];
      if (servers.mesh.length > 0) {
        if (mode === 'ISTIO_MUTUAL' && at?.sni) {
          add(at.resource, [...at.path, 'sni'], 'sni', client.namespace, () =>
            taker
              ? `sni ${sni} selects ${serverText([taker])}, which does not terminate the mesh's mTLS, so the handshake fails; use a host of ${mesh}`
              : `sni ${sni} matches no host of ${mesh}: the gateway has no filter chain for it and closes the connection; use one of the server hosts`,
          );
        } else if (mode === 'ISTIO_MUTUAL') {
          const [resource, path] = at ? [at.resource, at.path] : destination;
          add(
            resource,
            path,
            `auto-sni-${sni}`,
            client.namespace,
            (clients) =>
              `sidecars in ${clients} send ISTIO_MUTUAL to ${where} with the SNI Istio derives, ${sni} (no sni set${auto ? ', auto mTLS' : ''}), which matches no host of ${mesh}: the gateway closes the connection; set sni to a server host in a DestinationRule for ${client.use.destination.host}, or give the server hosts "*"`,
          );
        } else if (mode === 'unknown') {
          // Plain text fails, and auto mTLS would send an SNI the server does not accept: broken either way.
          add(
            ...destination,
            'unknown',
            client.namespace,
            (clients) =>
              `sidecars in ${clients} reach ${where} with no DestinationRule setting TLS: without auto mTLS they send plain text, with it the SNI ${sni}, and ${mesh} accepts neither; add a DestinationRule with tls.mode ISTIO_MUTUAL and sni set to a server host`,
          );
        } else if (at) {
          add(
            at.resource,
            [...at.path, 'mode'],
            `mode-${mode}`,
            client.namespace,
            () =>
              `tls.mode ${mode} toward ${where}, but ${mesh} requires the mesh's mTLS: the handshake fails; use ISTIO_MUTUAL`,
          );
        } else {
          add(
            ...destination,
            'plain',
            client.namespace,
            (clients) =>
              `sidecars in ${clients} send plain text to ${where}: no DestinationRule on their lookup path sets ISTIO_MUTUAL and ${client.tls.mtlsDisabledBy ? `${describe(client.tls.mtlsDisabledBy)} sets mtls.mode DISABLE, which turns auto mTLS off` : `the gateway pods do not carry ${TLS_MODE_LABEL}: istio (auto mTLS)`}, but ${mesh} requires mTLS`,
          );
        }
      } else if (at) {
        add(
          at.resource,
          [...at.path, 'mode'],
          'reverse',
          client.namespace,
          () =>
            `tls.mode ISTIO_MUTUAL toward ${where}, but ${serverText(servers.all)} does not terminate the mesh's mTLS, so the connection fails; make the server ISTIO_MUTUAL or drop TLS here`,
        );
      } else {
        add(
          ...destination,
          'reverse-auto',
          client.namespace,
          (clients) =>
            `the gateway pods carry ${TLS_MODE_LABEL}: istio, so sidecars in ${clients} send mTLS automatically, but ${serverText(servers.all)} does not terminate it; make the server ISTIO_MUTUAL or set tls.mode DISABLE in a DestinationRule`,
        );
      }
    }
    for (const p of problems.values()) {
      report({
        resource: p.resource,
        path: p.path,
        ...severityForClients(index, p.namespaces),
        message: p.message(describeNamespaces([...p.namespaces].sort(), all)),
      });
    }
  },
});

/**
 * The renderer's refusal route: its subset sends an SNI under `.invalid` (RFC 2606, never a real
 * host) that no server takes, on purpose. Recognised by subset name and SNI, so the rendered output
 * linted on its own (no longer marked rendered) is still clean.
 */
function isDeliberateRefusal(client: GatewayClient): boolean {
  if (client.subset === undefined || !isRefusedSubset(client.subset)) return false;
  return client.use.vs.rendered !== undefined || client.tls.sni === REFUSED_SNI;
}
