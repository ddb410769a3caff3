import { LRUCache } from 'lru-cache';
import { defineRule } from '../src/lint/rule.js';
import { severityForClients } from '../src/lint/clients.js';
import { listText } from '../src/lint/wording.js';
import {
  describeGatewayWorkload,
  describeNamespaces,
  everyNamespace,
  serverExpectsMeshMtls,
  creationOrders,
  gatewayClientTlsOrders,
  gatewaysMergedByAge,
  serversByPort,
  TLS_MODE_LABEL,
  type GatewayServer,
  type GatewayWorkload,
  type OutboundTls,
  type PortServers,
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
    const problems = new Map<string, Problem>();
    const add = (ns: string, [resource, path, key, message]: Found, rivals?: Resource[]): void => {
      const k = `${identityKey(resource)}|${path.join('.')}|${key}`;
      let p = problems.get(k);
      if (!p) problems.set(k, (p = { resource, path, namespaces: new Set(), message }));
      p.namespaces.add(ns);
      if (rivals) p.onlyIfOlder = [...new Set([...(p.onlyIfOlder ?? []), ...rivals])];
    };

    // Per workload and port: the servers under each assumption about the oldest Gateway, and the
    // Gateways whose age decides (none when the merge order changes nothing). Kept for the last few
    // workloads only: clients come workload by workload (a policy's routes together), and kept for
    // every workload they lived as long as the rule, to be collected only after it (most of the
    // 74 MB the old space grew by in this rule at 10,000 gateways, at the peak of lint's memory).
    const portsOf = new LRUCache<GatewayWorkload, Map<number, PortOrders>>({
      max: RECENT_WORKLOADS,
    });
    const serversOn = (w: GatewayWorkload, port: number): PortOrders | undefined => {
      let byPort = portsOf.get(w);
      if (!byPort) portsOf.set(w, (byPort = portOrdersOf(w)));
      return byPort.get(port);
    };

    for (const client of index.gatewayClients()) {
      if (!client.tls.subsetResolved) continue; // the route fails before TLS: dr-subset-missing / dr-lookup-path
      if (isDeliberateRefusal(client)) continue;
      const onPort = serversOn(client.workload, client.port);
      if (!onPort) continue;
      // An error must hold whichever Gateway and DestinationRule Istio created first.
      const sent = gatewayClientTlsOrders(index, client);
      const found: Found[][] = [];
      for (const tls of sent.tls)
        for (const servers of onPort.orders) found.push(mismatch(client, tls, servers));
      const failing = found.filter((f) => f.length > 0);
      if (failing.length === 0) continue;
      const rivals = failing.length < found.length ? [...onPort.rivals, ...sent.rivals] : undefined;
      for (const f of failing[0]!) add(client.namespace, f, rivals);
    }

    for (const p of problems.values()) {
      report({
        resource: p.resource,
        path: p.path,
        ...(p.onlyIfOlder ? { severity: 'warning' } : severityForClients(index, p.namespaces)),
        message:
          p.message(describeNamespaces([...p.namespaces].sort(), all)) +
          (p.onlyIfOlder
            ? ` (only in some creation orders: it depends on which of ${listText(p.onlyIfOlder.map(describe))} Istio created first, which the repository cannot show)`
            : ''),
      });
    }
  },
});

type Message = (clients: string) => string;

/** How many workloads' ports the rule keeps at once. */
const RECENT_WORKLOADS = 16;

type PortOrders = { orders: ServersOnPort[]; rivals: readonly Resource[] };

function portOrdersOf(w: GatewayWorkload): Map<number, PortOrders> {
  const byPort = new Map<number, PortOrders>();
  for (const [p, on] of serversByPort(w.gateways)) {
    const rivals = gatewaysMergedByAge(on.servers);
    const orders = creationOrders(w.gateways, rivals).map((gateways) =>
      gateways === w.gateways ? on : serversByPort(gateways).get(p)!,
    );
    byPort.set(p, { orders: orders.map(serversView), rivals });
  }
  return byPort;
}

interface Problem {
  resource: Resource;
  path: FieldPath;
  namespaces: Set<string>;
  message: Message;
  /** Where creation order decides whether it happens: the resources whose age decides. */
  onlyIfOlder?: readonly Resource[];
}

/** One misfit: where to report it, its key (one report per resource, field and kind), its message. */
type Found = [resource: Resource, path: FieldPath, key: string, message: Message];

function serverText(ss: readonly GatewayServer[]): string {
  return listText(
    ss.map(
      (s) =>
        `${describeOrigin(s.gateway)} server port ${s.port} (${s.tlsMode ? `tls.mode ${s.tlsMode}` : 'no TLS'}, hosts ${s.hosts.join(', ')})`,
    ),
  );
}

/** What does not fit between what the client sends and the server its SNI selects. */
function mismatch(client: GatewayClient, tls: OutboundTls, servers: ServersOnPort): Found[] {
  const out: Found[] = [];
  const push = (resource: Resource, path: FieldPath, key: string, message: Message): void => {
    out.push([resource, path, key, message]);
  };
  const { mode, sni, auto, setting: at } = tls;
  // Envoy picks one filter chain by SNI; it must be a server that terminates the mesh's mTLS.
  const taker = servers.forSni(sni);
  if (
    servers.mesh.length > 0 &&
    (mode === 'ISTIO_MUTUAL' || mode === 'unknown') &&
    taker !== undefined &&
    serverExpectsMeshMtls(taker)
  )
    return out;
  if (servers.mesh.length === 0 && mode !== 'ISTIO_MUTUAL') return out;

  // Something does not fit: say what, where it was set.
  const where = `${describeGatewayWorkload(client.workload)} port ${client.port}`;
  const mesh = serverText(servers.mesh);
  const destination: [Resource, FieldPath] = [
    client.use.vs,
    [...client.use.destination.path, 'host'],
  ];
  if (servers.mesh.length > 0) {
    if (mode === 'ISTIO_MUTUAL' && at?.sni) {
      push(at.resource, [...at.path, 'sni'], 'sni', () =>
        taker
          ? `sni ${sni} selects ${serverText([taker])}, which does not terminate the mesh's mTLS, so the handshake fails; use a host of ${mesh}`
          : `sni ${sni} matches no host of ${mesh}: the gateway has no filter chain for it and closes the connection; use one of the server hosts`,
      );
    } else if (mode === 'ISTIO_MUTUAL') {
      const [resource, path] = at ? [at.resource, at.path] : destination;
      push(
        resource,
        path,
        `auto-sni-${sni}`,
        (clients) =>
          `sidecars in ${clients} send ISTIO_MUTUAL to ${where} with the SNI Istio derives, ${sni} (no sni set${auto ? ', auto mTLS' : ''}), which matches no host of ${mesh}: the gateway closes the connection; set sni to a server host in a DestinationRule for ${client.use.destination.host}, or give the server hosts "*"`,
      );
    } else if (mode === 'unknown') {
      // Plain text fails, and auto mTLS would send an SNI the server does not accept: broken either way.
      push(
        ...destination,
        'unknown',
        (clients) =>
          `sidecars in ${clients} reach ${where} with no DestinationRule setting TLS: without auto mTLS they send plain text, with it the SNI ${sni}, and ${mesh} accepts neither; add a DestinationRule with tls.mode ISTIO_MUTUAL and sni set to a server host`,
      );
    } else if (at) {
      push(
        at.resource,
        [...at.path, 'mode'],
        `mode-${mode}`,
        () =>
          `tls.mode ${mode} toward ${where}, but ${mesh} requires the mesh's mTLS: the handshake fails; use ISTIO_MUTUAL`,
      );
    } else {
      push(
        ...destination,
        'plain',
        (clients) =>
          `sidecars in ${clients} send plain text to ${where}: no DestinationRule on their lookup path sets ISTIO_MUTUAL and ${tls.mtlsDisabledBy ? `${describe(tls.mtlsDisabledBy)} sets mtls.mode DISABLE, which turns auto mTLS off` : `the gateway pods do not carry ${TLS_MODE_LABEL}: istio (auto mTLS)`}, but ${mesh} requires mTLS`,
      );
    }
  } else if (at) {
    push(
      at.resource,
      [...at.path, 'mode'],
      'reverse',
      () =>
        `tls.mode ISTIO_MUTUAL toward ${where}, but ${serverText(servers.all)} does not terminate the mesh's mTLS, so the connection fails; make the server ISTIO_MUTUAL or drop TLS here`,
    );
  } else {
    push(
      ...destination,
      'reverse-auto',
      (clients) =>
        `the gateway pods carry ${TLS_MODE_LABEL}: istio, so sidecars in ${clients} send mTLS automatically, but ${serverText(servers.all)} does not terminate it; make the server ISTIO_MUTUAL or set tls.mode DISABLE in a DestinationRule`,
    );
  }
  return out;
}

/** The servers of a port as the rule reads them. */
function serversView(on: PortServers): ServersOnPort {
  const all = on.plaintext ? [on.plaintext] : on.servers;
  return { all, mesh: on.tls.filter(serverExpectsMeshMtls), forSni: on.forSni };
}

interface ServersOnPort {
  /** The servers the port has, as Istio keeps them. */
  all: readonly GatewayServer[];
  /** The ones that require the mesh's mTLS, and whether the one an SNI selects is one of them. */
  mesh: GatewayServer[];
  /** The TLS server whose filter chain takes a connection with this SNI. */
  forSni: (sni: string | undefined) => GatewayServer | undefined;
}

/**
 * The renderer's refusal route: its subset sends an SNI under `.invalid` (RFC 2606, never a real
 * host) that no server takes, on purpose. Recognised by subset name and SNI, so the rendered output
 * linted on its own (no longer marked rendered) is still clean.
 */
function isDeliberateRefusal(client: GatewayClient): boolean {
  if (client.subset === undefined || !isRefusedSubset(client.subset)) return false;
  return client.use.vs.rendered !== undefined || client.tls.sni === REFUSED_SNI;
}
