/**
 * Render stage: each ASMEgressTrafficPolicy -> the Istio resources that implement it (DESIGN.md §3).
 *
 * Deterministic: policies are taken in namespace/name order, every list is built in a fixed order and
 * every object with a fixed key order, so the same input gives the same bytes. Every rendered resource
 * names its source in labels/annotations and keeps an in-memory link to the policy's fields, so a
 * finding or a diff line leads back to the line the user wrote.
 *
 * Refusing unselected workloads. A `from` entry with a workloadSelector becomes a VirtualService match
 * with `sourceLabels`; Istio drops non-matching routes per proxy and then sends the traffic straight to
 * the external host (the ServiceEntry is visible to the whole namespace). So whenever a listed
 * namespace is only partly selected, the sidecar leg ends with a catch-all for that host and port:
 *   - HTTP-class: `directResponse: 502`, the same answer REGISTRY_ONLY gives for an unknown host;
 *   - TLS/TCP-class (and the HTTPS port of an httpsUpgrade): a route to the egress gateway through
 *     the subset `<policy>-egress-lint-refused`, whose mTLS SNI names no server of the gateway, so the gateway
 *     drops the handshake: the client sees the connection refused, as for an unknown host.
 */
import type { MeshDefaults } from '../config/project-config.js';
import type { ConfigSet } from '../model/config-set.js';
import type { EgressGateway } from '../model/egress-gateway.js';
import type { Destination, EgressPolicy, PolicySource } from '../model/egress-policy.js';
import type { FieldPath } from '../model/field-path.js';
import { formatPath } from '../model/field-path.js';
import { docsUrl, type Finding } from '../model/finding.js';
import { KIND, NETWORKING_GROUP, RENDER_API } from '../model/kinds.js';
import {
  findingLocation,
  refOf,
  splitApiVersion,
  type JsonObject,
  type RenderOrigin,
  type Resource,
} from '../model/resource.js';
import { MESH, MESH_ONLY } from '../model/istio/routes.js';
import { istioRejects } from './istio-rejects.js';
import { dnsLabel, labelValue, MAX_NAME, sanitize, shortHash } from './naming.js';
import { allocateGatewayPorts, type PortAllocation } from './ports.js';
import { flatText, SharedValues } from './shared-values.js';

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_POLICY = 'egress-lint.io/policy';
export const ANNOTATION_SOURCE = 'egress-lint.io/source';
export const ANNOTATION_SOURCE_PATH = 'egress-lint.io/source-path';
export const MANAGED_BY = 'egress-lint';
/**
 * Several policies on one gateway each render a DestinationRule for the gateway host. Istio merges
 * DestinationRules for one host in one namespace only when their exportTo is the same, and then drops
 * subsets whose names repeat: so every gateway-host rule of a gateway is exported to the same
 * namespaces (all policies' `from` namespaces), and subsets carry the policy's name.
 */
export const REFUSED_SUBSET_SUFFIX = 'egress-lint-refused';

const REFUSED_SUBSET_ENDING = `-${REFUSED_SUBSET_SUFFIX}`;

/** `<policy>-egress-lint-refused`, the policy part shortened (with a hash) so the suffix always survives. */
export function refusedSubsetName(stem: string): string {
  const room = MAX_NAME - REFUSED_SUBSET_SUFFIX.length - 1;
  const head = sanitize(stem);
  const short =
    head.length <= room ? head : `${head.slice(0, room - 9).replace(/-+$/, '')}-${shortHash(head)}`;
  return flatText(short, REFUSED_SUBSET_ENDING);
}

/** Whether a gateway subset is one the renderer uses to refuse unselected workloads. */
export function isRefusedSubset(name: string): boolean {
  return name.endsWith(REFUSED_SUBSET_ENDING);
}
/** An SNI no egress gateway server carries (.invalid is reserved, RFC 6761). */
export const REFUSED_SNI = 'refused.egress-lint.invalid';
export const MESH_GATEWAY = MESH;

export interface RenderResult {
  resources: Resource[];
  findings: Finding[];
  allocation: PortAllocation;
  /** Rendered resources Istio's webhook refuses (see istio-rejects.ts): written, but not in the model. */
  rejected: ReadonlySet<Resource>;
}

/** The rendered resources Istio keeps: all of them, unless it rejects some. */
export function acceptedResources(result: RenderResult): readonly Resource[] {
  return result.rejected.size === 0
    ? result.resources
    : result.resources.filter((r) => !result.rejected.has(r));
}

/** Split once: every rendered resource has this apiVersion. */
const RENDERED_API_PARTS = splitApiVersion(RENDER_API.networking);

const KIND_RANK: Record<string, number> = {
  [KIND.serviceEntry]: 0,
  [KIND.gateway]: 1,
  [KIND.destinationRule]: 2,
  [KIND.virtualService]: 3,
};

type FieldLinks = (readonly [rendered: FieldPath, source: FieldPath])[];

/** What a rendered body holds, as the renderer writes it. */
interface RenderedBody extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Readonly<Record<string, string>>;
    annotations: Readonly<Record<string, string>>;
  };
  spec: JsonObject;
}

/**
 * A rendered resource, which is also its own origin (`rendered` is the resource itself): every
 * rendered resource is kept for the whole run, so what all of them share (apiVersion, group,
 * version, a namespace never defaulted) is on the class, what the body holds (kind, name, namespace,
 * labels, annotations) is read from it, and the link to the policy's fields is kept in the resource's
 * own fields instead of an object of its own.
 *
 * Field links are built on first use: most rendered resources are never asked where a field came
 * from, and built eagerly they were a quarter of an analysis's memory. The links are built by a
 * module function from what they need (a destination, a policy's list): a closure made inside
 * renderPolicy would keep its whole scope alive (its maps and helper closures) for every rendered
 * resource.
 */
class RenderedResource<T> implements Resource, RenderOrigin {
  private links: readonly (readonly [FieldPath, FieldPath])[] | undefined;
  readonly body: RenderedBody;

  constructor(
    kind: string,
    name: string,
    namespace: string,
    labels: Readonly<Record<string, string>>,
    annotations: Readonly<Record<string, string>>,
    spec: JsonObject,
    /** The policy this resource was rendered from, and the field that produced it. */
    readonly policy: Resource,
    readonly path: FieldPath,
    private readonly build: (input: T) => FieldLinks,
    private readonly input: T,
  ) {
    const apiVersion = RENDER_API.networking;
    this.body = { apiVersion, kind, metadata: { name, namespace, labels, annotations }, spec };
  }

  // Read from the body, which holds them anyway.
  get kind(): string {
    return this.body.kind;
  }
  get name(): string {
    return this.body.metadata.name;
  }
  get namespace(): string {
    return this.body.metadata.namespace;
  }
  get labels(): Readonly<Record<string, string>> {
    return this.body.metadata.labels;
  }
  get annotations(): Readonly<Record<string, string>> {
    return this.body.metadata.annotations;
  }
  get apiVersion(): string {
    return RENDER_API.networking;
  }
  get group(): string {
    return RENDERED_API_PARTS.group;
  }
  get version(): string {
    return RENDERED_API_PARTS.version;
  }
  get namespaceDefaulted(): boolean {
    return false;
  }
  get rendered(): RenderOrigin {
    return this;
  }

  get fields(): readonly (readonly [FieldPath, FieldPath])[] {
    return (this.links ??= this.build(this.input));
  }
}

export function renderConfigSet(cs: ConfigSet): RenderResult {
  const policies = [...cs.policies].sort((a, b) => compareResources(a.resource, b.resource));
  const gatewayKey = (p: EgressPolicy): string => {
    const g = cs.gateway(p.gateway);
    return `${g.namespace}/${g.name}`;
  };
  const allocation = allocateGatewayPorts(policies, gatewayKey);
  const clientSets = new Map<string, Set<string>>();
  for (const p of policies) {
    const set = clientSets.get(gatewayKey(p)) ?? new Set([cs.gateway(p.gateway).namespace]);
    for (const d of p.destinations) for (const f of d.from) set.add(f.namespace);
    clientSets.set(gatewayKey(p), set);
  }
  // Sorted once per gateway, and one list for all its policies' DestinationRules (read-only): readers
  // of exportTo then see one list per gateway, not one per policy.
  const clientsOfGateway = new Map([...clientSets].map(([k, set]) => [k, sortedUnique(set)]));
  const findings: Finding[] = allocation.exhausted.map(({ policy, destination }) =>
    renderFinding(
      policy,
      [...destination.path, 'byEgressGateway'],
      'no free egress gateway port left in 10001-20000 for this destination; set byEgressGateway.port',
    ),
  );
  // Policies are already in order; sorting each one's resources keeps the whole output ordered.
  const resources: Resource[] = [];
  const rejected = new Set<Resource>();
  const shared = new SharedValues();
  for (const policy of policies) {
    const own = renderPolicy(
      policy,
      cs.gateway(policy.gateway),
      allocation,
      cs.defaults,
      clientsOfGateway.get(gatewayKey(policy))!,
      shared,
    );
    own.sort(
      (a, b) =>
        KIND_RANK[a.kind]! - KIND_RANK[b.kind]! ||
        cmp(a.namespace, b.namespace) ||
        cmp(a.name, b.name),
    );
    for (const r of own) resources.push(r);
    const refused = istioRejects(cs, policy, own);
    for (const r of refused.resources) rejected.add(r);
    findings.push(...refused.findings);
  }
  return { resources, findings, allocation, rejected };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareResources(a: Resource, b: Resource): number {
  return (
    cmp(a.namespace, b.namespace) ||
    cmp(a.name, b.name) ||
    cmp(a.source?.file ?? '', b.source?.file ?? '') ||
    (a.source?.documentIndex ?? 0) - (b.source?.documentIndex ?? 0)
  );
}

function renderFinding(policy: EgressPolicy, path: FieldPath, message: string): Finding {
  return {
    ruleId: 'render',
    severity: 'error',
    message,
    ...findingLocation(policy.resource, path),
    resource: refOf(policy.resource),
    docs: docsUrl('render'),
  };
}

const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** The name stem for a policy's resources: its name, prefixed by its namespace when not the usual one. */
export function policyStem(policy: EgressPolicy, defaults: MeshDefaults): string {
  const r = policy.resource;
  return r.namespace === defaults.policyNamespace ? r.name : `${r.namespace}-${r.name}`;
}

/** A name per destination, unique within the policy: its `name`, else first host and port. */
export function destinationKeys(policy: EgressPolicy): Map<Destination, string> {
  const keys = new Map<Destination, string>();
  const used = new Set<string>();
  const named = new Map<string, number>();
  for (const d of policy.destinations)
    if (d.name) named.set(sanitize(d.name), (named.get(sanitize(d.name)) ?? 0) + 1);
  for (const d of policy.destinations) {
    const byName = d.name ? sanitize(d.name) : '';
    let key =
      byName && named.get(byName) === 1
        ? byName
        : dnsLabel(d.hosts[0] ?? 'host', String(d.port.number));
    if (used.has(key)) key = dnsLabel(key, `r${d.ruleIndex}`, `t${d.index}`);
    used.add(key);
    keys.set(d, key);
  }
  return keys;
}

/** Whether some listed namespace has only selector entries, so its other workloads must be refused. */
export function needsRefusal(d: Destination): boolean {
  const byNs = new Map<string, PolicySource[]>();
  for (const f of d.from) byNs.set(f.namespace, [...(byNs.get(f.namespace) ?? []), f]);
  return [...byNs.values()].some((entries) => entries.every((f) => f.workloadSelector));
}

export function portName(protocol: string, number: number): string {
  return `${protocol.toLowerCase()}-${number}`;
}

/** Where a policy names its gateway: the source of its Gateway and gateway-host DestinationRule. */
const GATEWAY_FIELD: FieldPath = Object.freeze(['spec', 'byEgressGateway']) as FieldPath;

const ISTIO_MUTUAL: JsonObject = Object.freeze({ mode: 'ISTIO_MUTUAL' });
const REFUSED_TLS: JsonObject = Object.freeze({ mode: 'ISTIO_MUTUAL', sni: REFUSED_SNI });

/** The small parts of rendered resources that repeat across policies, one object each. */
class RenderParts {
  constructor(private readonly shared: SharedValues) {}

  /** `{number: port}`, as routes, subsets and matches name a port. */
  port(number: number): JsonObject {
    return this.shared.get(`port ${number}`, () => ({ number }));
  }

  /** An exportTo (or other namespace) list, by its names. */
  list(names: readonly string[]): readonly string[] {
    return this.shared.get(`list ${names.join(' ')}`, () => [...names]);
  }

  /** A Gateway server's port: the same numbers recur on every gateway. */
  serverPort(number: number, http: boolean): JsonObject {
    return this.shared.get(`server port ${number} ${http}`, () => ({
      number,
      name: portName(http ? 'https' : 'tls', number),
      protocol: http ? 'HTTPS' : 'TLS',
    }));
  }

  /** A ServiceEntry's ports. */
  ports(ports: readonly JsonObject[]): readonly JsonObject[] {
    return this.shared.get(`ports ${JSON.stringify(ports)}`, () =>
      ports.map((p) => Object.freeze(p)),
    );
  }

  /** The sidecar catch-all of a port without SNI: `{gateways: [mesh], port}`. */
  catchAll(port: number): readonly JsonObject[] {
    return this.shared.get(`catch-all ${port}`, () => [
      Object.freeze({ gateways: MESH_ONLY, port }),
    ]);
  }

  /** A gateway-host subset's port setting that refuses the handshake (REFUSED_SNI). */
  refusedSetting(port: number): JsonObject {
    return this.shared.get(`refused ${port}`, () => ({ port: this.port(port), tls: REFUSED_TLS }));
  }
}

function renderPolicy(
  policy: EgressPolicy,
  gw: EgressGateway,
  allocation: PortAllocation,
  defaults: MeshDefaults,
  gatewayClients: readonly string[],
  shared: SharedValues,
): Resource[] {
  const parts = new RenderParts(shared);
  const stem = policyStem(policy, defaults);
  const keys = destinationKeys(policy);
  const gns = gw.namespace;
  const gatewayName = dnsLabel(stem);
  const gatewayRef = flatText(gns, '/', gatewayName);
  const destinations = policy.destinations.filter((d) => allocation.ports.has(d));
  const gp = (d: Destination): number => allocation.ports.get(d)!;
  const source = flatText(policy.resource.namespace, '/', policy.resource.name);

  // Rendered objects are read-only, so one labels object serves every resource of the policy.
  const labels = {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_POLICY]: labelValue(policy.resource.name),
  };
  // A destination's resources share one annotations object (most are written from `d.path` itself).
  const annotationsByPath = new Map<FieldPath, Record<string, string>>();
  const annotationsOf = (sourcePath: FieldPath): Record<string, string> => {
    let annotations = annotationsByPath.get(sourcePath);
    if (annotations === undefined) {
      // The path's text is the same in every policy (`spec.egressRules[0].to[0]`): one string each.
      annotations =
        sourcePath.length > 2
          ? {
              [ANNOTATION_SOURCE]: source,
              [ANNOTATION_SOURCE_PATH]: shared.text(formatPath(sourcePath)),
            }
          : { [ANNOTATION_SOURCE]: source };
      annotationsByPath.set(sourcePath, Object.freeze(annotations));
    }
    return annotations;
  };
  const make = <T>(
    kind: string,
    name: string,
    sourcePath: FieldPath,
    spec: JsonObject,
    fields: (input: T) => FieldLinks,
    input: T,
  ): Resource => {
    const annotations = annotationsOf(sourcePath);
    return new RenderedResource(
      kind,
      name,
      gns,
      labels,
      annotations,
      spec,
      policy.resource,
      sourcePath,
      fields,
      input,
    );
  };

  const out: Resource[] = [];
  // The policy's VirtualServices are all bound to the sidecars and its Gateway; their gateway legs name it.
  const ownGateway: readonly string[] = Object.freeze([gatewayRef]);
  const meshAndGateway: readonly string[] = Object.freeze([MESH_GATEWAY, gatewayRef]);
  // A `from` entry's selector, copied once for every destination's sidecar matches.
  const selectors = new Map<PolicySource, JsonObject>();
  const sourceLabelsOf = (f: PolicySource): JsonObject => {
    let labels = selectors.get(f);
    if (!labels) selectors.set(f, (labels = Object.freeze({ ...f.workloadSelector })));
    return labels;
  };

  // Gateway: one per policy, one server per gateway port.
  const byPort = new Map<number, Destination[]>();
  for (const d of destinations) byPort.set(gp(d), [...(byPort.get(gp(d)) ?? []), d]);
  const ports = [...byPort.keys()].sort((a, b) => a - b);
  if (ports.length > 0) {
    const servers = ports.map((port) => {
      const ds = byPort.get(port)!;
      const http = ds[0]!.protocolClass === 'http';
      return {
        port: parts.serverPort(port, http),
        hosts: sortedUnique(ds.flatMap((d) => d.hosts)),
        tls: ISTIO_MUTUAL,
      };
    });
    out.push(
      make(
        KIND.gateway,
        gatewayName,
        GATEWAY_FIELD,
        { selector: { ...gw.selector }, servers },
        gatewayFields,
        ports.map((port) => byPort.get(port)![0]!),
      ),
    );
  }

  // DestinationRule for the gateway host: one subset per destination with mTLS and its SNI.
  const refusedPorts = sortedNumbers(
    destinations
      .filter((d) => needsRefusal(d) && (d.protocolClass !== 'http' || d.upgradePort !== undefined))
      .map(gp),
  );
  // One name per destination for its subset and the VirtualService route to it: built twice, they
  // were two strings.
  const subsetNames = new Map(destinations.map((d) => [d, dnsLabel(stem, keys.get(d)!)]));
  const subsetOf = (d: Destination): string => subsetNames.get(d)!;
  const refusedSubset = refusedSubsetName(stem);
  const destinationSubsets = destinations.map((d): JsonObject => ({
    name: subsetOf(d),
    trafficPolicy: {
      portLevelSettings: [
        { port: parts.port(gp(d)), tls: { mode: 'ISTIO_MUTUAL', sni: d.hosts[0]! } },
      ],
    },
  }));
  // concat, not push: a list grown by push keeps spare room for the life of the resource.
  const subsets: JsonObject[] =
    refusedPorts.length === 0
      ? destinationSubsets
      : destinationSubsets.concat({
          name: refusedSubset,
          trafficPolicy: {
            portLevelSettings: refusedPorts.map((port) => parts.refusedSetting(port)),
          },
        });
  if (destinations.length > 0) {
    out.push(
      make(
        KIND.destinationRule,
        dnsLabel(stem, 'gateway'),
        GATEWAY_FIELD,
        { host: gw.serviceHost, exportTo: gatewayClients, subsets },
        gatewayDestinationRuleFields,
        destinations,
      ),
    );
  }

  for (const d of destinations) {
    const key = keys.get(d)!;
    const name = dnsLabel(stem, key);
    const exportTo = parts.list(sortedUnique([gns, ...d.from.map((f) => f.namespace)]));
    // The ServiceEntry's, the VirtualService's and the SNI matches' hosts: the policy's list itself
    // (read-only, as every resource body is; frozen so that a change to it fails loudly).
    const hosts: readonly string[] = Object.freeze(d.hosts);
    const p = d.port.number;
    const upstreamPort = d.upgradePort ?? p;
    const host0 = d.hosts[0]!;

    // ServiceEntry: the host, visible only where it is used.
    const sePorts: JsonObject[] = [
      { number: p, name: d.port.name ?? portName(d.port.protocol, p), protocol: d.port.protocol },
    ];
    if (d.upgradePort !== undefined && d.upgradePort !== p) {
      sePorts.push({
        number: d.upgradePort,
        name: uniquePortName(portName('https', d.upgradePort), sePorts),
        protocol: 'HTTPS',
      });
    }
    out.push(
      make(
        KIND.serviceEntry,
        name,
        d.path,
        {
          hosts,
          exportTo,
          location: 'MESH_EXTERNAL',
          resolution: 'DNS',
          ports: parts.ports(sePorts),
        },
        serviceEntryFields,
        d,
      ),
    );

    // VirtualService: sidecar leg (per `from` entry) to the gateway, gateway leg to the host.
    const refuse = needsRefusal(d);
    const catchAll = (port: number, sni: boolean): readonly JsonObject[] =>
      sni ? [{ gateways: MESH_ONLY, port, sniHosts: hosts }] : parts.catchAll(port);
    const toGateway = (subset: string): JsonObject => ({
      destination: { host: gw.serviceHost, subset, port: parts.port(gp(d)) },
    });
    const toHost = (port: number): JsonObject => ({
      destination: { host: host0, port: parts.port(port) },
    });
    const gatewayMatch = [{ gateways: ownGateway, port: gp(d) }];
    const matches = (port: number, sniHosts?: readonly string[], http = false): JsonObject[] =>
      d.from.map((f) => sidecarMatch(f, port, sniHosts, http, sourceLabelsOf));
    // Every list is written at its final length (a literal or concat, never push) and every object
    // as one literal with its keys in output order: a list grown by push keeps spare room, and an
    // object given keys after it was made keeps them in a second store, both for the whole run.
    let spec: JsonObject;
    if (d.protocolClass === 'http') {
      // The gateway leg comes first: on the gateway it takes every request of its port, so the source
      // matches below (which name no gateways) are never tried there; sidecars skip it.
      const toHostRoute = {
        name: flatText(key, '-to-host'),
        match: gatewayMatch,
        route: [toHost(upstreamPort)],
      };
      const viaGateway = {
        name: flatText(key, '-via-gateway'),
        match: matches(p, undefined, true),
        route: [toGateway(subsetOf(d))],
      };
      const http: JsonObject[] = refuse
        ? [
            toHostRoute,
            viaGateway,
            {
              name: flatText(key, '-refuse-unselected'),
              match: catchAll(p, false),
              directResponse: {
                status: 502,
                body: {
                  string: flatText(
                    'egress to ',
                    host0,
                    ' is not allowed for this workload by ',
                    source,
                    '\n',
                  ),
                },
              },
            },
          ]
        : [toHostRoute, viaGateway];
      if (d.upgradePort === undefined) spec = { hosts, exportTo, gateways: meshAndGateway, http };
      else {
        // The upgrade port is in the ServiceEntry (the gateway needs it), so sidecars of the listed
        // namespaces see it too. Make what they may do there explicit: selected workloads go direct
        // (as ASM does), the others are refused.
        const direct = { match: matches(d.upgradePort, hosts), route: [toHost(d.upgradePort)] };
        const tls: JsonObject[] = refuse
          ? [direct, { match: catchAll(d.upgradePort, true), route: [toGateway(refusedSubset)] }]
          : [direct];
        spec = { hosts, exportTo, gateways: meshAndGateway, http, tls };
      }
    } else {
      const sni = d.protocolClass === 'tls';
      const viaGateway = {
        match: matches(p, sni ? hosts : undefined),
        route: [toGateway(subsetOf(d))],
      };
      const gatewayLeg = { match: gatewayMatch, route: [toHost(upstreamPort)] };
      const refused = refuse
        ? { match: catchAll(p, sni), route: [toGateway(refusedSubset)] }
        : undefined;
      if (sni) {
        const tls: JsonObject[] = refused ? [viaGateway, refused] : [viaGateway];
        spec = { hosts, exportTo, gateways: meshAndGateway, tls, tcp: [gatewayLeg] };
      } else {
        const tcp: JsonObject[] = refused
          ? [viaGateway, refused, gatewayLeg]
          : [viaGateway, gatewayLeg];
        spec = { hosts, exportTo, gateways: meshAndGateway, tcp };
      }
    }
    out.push(make(KIND.virtualService, name, d.path, spec, virtualServiceFields, d));

    // TLS origination at the gateway for httpsUpgrade. Exported to the gateway's namespace only: a
    // sidecar that saw it would wrap the application's own HTTPS in a second TLS layer.
    if (d.upgradePort !== undefined) {
      out.push(
        make(
          KIND.destinationRule,
          dnsLabel(stem, key, 'tls-origination'),
          d.path.concat('httpsUpgrade'), // kept by the resource: concat leaves no spare capacity
          {
            host: host0,
            exportTo: parts.list([gns]),
            trafficPolicy: {
              portLevelSettings: [
                { port: parts.port(d.upgradePort), tls: { mode: 'SIMPLE', sni: host0 } },
              ],
            },
          },
          noFields,
          undefined,
        ),
      );
    }
  }
  return out;
}

/**
 * A sidecar leg's match for one `from` entry. HTTP matches leave `gateways` out: on an HTTP match
 * that names gateways Istio ignores sourceLabels and sourceNamespace (sourceMatchHTTP), which would
 * let every workload that sees this VirtualService through. Without it the VirtualService's own
 * [mesh, gateway] applies and the source fields filter. TLS/TCP matches need `gateways: [mesh]` and
 * check the source fields as well (matchTLS/matchTCP). One literal per set of keys (not spreads,
 * which leave the object its keys in a second store): the keys in output order.
 */
function sidecarMatch(
  f: PolicySource,
  port: number,
  sniHosts: readonly string[] | undefined,
  http: boolean,
  sourceLabelsOf: (f: PolicySource) => JsonObject,
): JsonObject {
  const sourceNamespace = f.namespace;
  const sourceLabels = f.workloadSelector ? sourceLabelsOf(f) : undefined;
  if (http)
    return sourceLabels ? { port, sourceLabels, sourceNamespace } : { port, sourceNamespace };
  const gateways = MESH_ONLY;
  if (sniHosts)
    return sourceLabels
      ? { gateways, port, sniHosts, sourceLabels, sourceNamespace }
      : { gateways, port, sniHosts, sourceNamespace };
  return sourceLabels
    ? { gateways, port, sourceLabels, sourceNamespace }
    : { gateways, port, sourceNamespace };
}

/** The Gateway's links: each server from the first destination on its port (`firsts`, by port). */
function gatewayFields(firsts: readonly Destination[]): FieldLinks {
  return [
    [
      ['spec', 'selector'],
      ['spec', 'byEgressGateway', 'name'],
    ],
    ...firsts.map((d, i) => [['spec', 'servers', i], gatewayPortPath(d)] as const),
  ];
}

/** The gateway host's DestinationRule: a subset per destination. */
function gatewayDestinationRuleFields(destinations: readonly Destination[]): FieldLinks {
  return [
    [
      ['spec', 'host'],
      ['spec', 'byEgressGateway', 'name'],
    ],
    ...destinations.map((d, i) => [['spec', 'subsets', i], d.path] as const),
  ];
}

function serviceEntryFields(d: Destination): FieldLinks {
  return [
    [
      ['spec', 'hosts'],
      [...d.path, 'hosts'],
    ],
    [
      ['spec', 'ports', 0],
      [...d.path, 'port'],
    ],
    [
      ['spec', 'ports', 1],
      [...d.path, 'httpsUpgrade'],
    ],
    [
      ['spec', 'exportTo'],
      [...d.path.slice(0, -2), 'from'],
    ],
  ];
}

const noFields = (): FieldLinks => [];

/**
 * Which policy field each part of a destination's VirtualService comes from (see renderPolicy for
 * the routes: http = [to-host, via-gateway, refuse?] + tls for httpsUpgrade; tls/tcp = sidecar
 * routes [via-gateway, refuse?] then the gateway leg).
 */
function virtualServiceFields(d: Destination): FieldLinks {
  const refuse = needsRefusal(d);
  const fields: FieldLinks = [
    [
      ['spec', 'hosts'],
      [...d.path, 'hosts'],
    ],
  ];
  if (d.protocolClass === 'http') {
    fields.push([
      ['spec', 'http', 0],
      d.upgradePort !== undefined ? [...d.path, 'httpsUpgrade'] : gatewayPortPath(d),
    ]);
    d.from.forEach((f, j) => fields.push([['spec', 'http', 1, 'match', j], f.path]));
    if (refuse)
      fields.push([
        ['spec', 'http', 2],
        [...d.path.slice(0, -2), 'from'],
      ]);
    if (d.upgradePort !== undefined)
      fields.push([
        ['spec', 'tls'],
        [...d.path, 'httpsUpgrade'],
      ]);
  } else {
    const sni = d.protocolClass === 'tls';
    d.from.forEach((f, j) => fields.push([['spec', sni ? 'tls' : 'tcp', 0, 'match', j], f.path]));
    fields.push([['spec', 'tcp', sni ? 0 : refuse ? 2 : 1], gatewayPortPath(d)]);
  }
  return fields;
}

function gatewayPortPath(d: Destination): FieldPath {
  return d.gatewayPort !== undefined ? [...d.path, 'byEgressGateway', 'port'] : d.path;
}

function sortedNumbers(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

function uniquePortName(name: string, existing: JsonObject[]): string {
  let candidate = name;
  for (let i = 2; existing.some((p) => p.name === candidate); i++) candidate = `${name}-${i}`;
  return candidate;
}

export function isRendered(r: Resource): boolean {
  return (
    r.rendered !== undefined ||
    (r.group === NETWORKING_GROUP && r.labels[LABEL_MANAGED_BY] === MANAGED_BY)
  );
}
