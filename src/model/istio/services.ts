/**
 * Kubernetes Services as Istio's registry sees them (pilot/pkg/serviceregistry/kube/conversion.go
 * ConvertService): host `<name>.<namespace>.svc.<domain>`, one port per `spec.ports` entry with the
 * protocol from `appProtocol`, else the port name (pkg/config/kube/conversion.go ConvertProtocol);
 * `type: ExternalName` is an alias of `spec.externalName` (external-name.ts); visible where the
 * `networking.istio.io/exportTo` annotation says (everywhere without it).
 */
import { KIND, isKind } from '../kinds.js';
import { protocolFromPortName } from '../protocol.js';
import { get, isObject, type Resource } from '../resource.js';
import { serviceHostName } from './names.js';

export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

export interface KubernetesServicePort {
  number: number;
  name?: string;
  /** Istio's protocol for the port; undefined when it is sniffed. */
  protocol?: string;
  index: number;
}

export interface KubernetesService {
  resource: Resource;
  host: string;
  /** `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`. */
  type: string;
  /** For ExternalName Services: the external host the name stands for. */
  externalName?: string;
  ports: readonly KubernetesServicePort[];
}

export function isKubernetesService(r: Resource): boolean {
  return isKind(r, KIND.service);
}

/** Kubernetes' own appProtocol names (ConvertProtocol handles them before the port-name prefixes). */
const KUBERNETES_APP_PROTOCOLS: Record<string, string> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

/** Ports where Istio takes TCP when nothing names a protocol: SMTP, DNS, MySQL, MongoDB. */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/** ConvertProtocol: UDP, else appProtocol, else the port name's prefix, else TCP on well-known ports. */
export function kubernetesPortProtocol(port: unknown): string | undefined {
  if (get(port, ['protocol']) === 'UDP') return 'UDP';
  const app = get(port, ['appProtocol']);
  const named = typeof app === 'string' ? app : get(port, ['name']);
  const name = typeof named === 'string' ? named : undefined;
  const protocol = (name && KUBERNETES_APP_PROTOCOLS[name]) || protocolFromPortName(name);
  if (protocol) return protocol;
  const number = get(port, ['port']);
  return typeof number === 'number' && WELL_KNOWN_TCP_PORTS.has(number) ? 'TCP' : undefined;
}

const cache = new WeakMap<Resource, KubernetesService>();

/** A Service's registry entry, read once. Fields of the wrong type are left out, never guessed. */
export function readKubernetesService(r: Resource, domain: string): KubernetesService {
  const known = cache.get(r);
  if (known?.host.endsWith(`.svc.${domain}`)) return known;
  const spec = get(r.body, ['spec']);
  const type = get(spec, ['type']);
  const externalName = get(spec, ['externalName']);
  const written = get(spec, ['ports']);
  const ports: KubernetesServicePort[] = [];
  if (Array.isArray(written))
    written.forEach((p: unknown, index) => {
      const number = get(p, ['port']);
      if (!isObject(p) || typeof number !== 'number') return;
      const protocol = kubernetesPortProtocol(p);
      ports.push({
        number,
        ...(typeof p.name === 'string' ? { name: p.name } : {}),
        ...(protocol ? { protocol } : {}),
        index,
      });
    });
  const service: KubernetesService = {
    resource: r,
    host: serviceHostName(r.name, r.namespace, domain),
    type: typeof type === 'string' ? type : 'ClusterIP',
    ...(type === 'ExternalName' && typeof externalName === 'string' && externalName
      ? { externalName }
      : {}),
    ports,
  };
  cache.set(r, service);
  return service;
}

/** The port of a Service with this number. */
export function kubernetesServicePort(
  service: KubernetesService,
  number: number,
): KubernetesServicePort | undefined {
  return service.ports.find((p) => p.number === number);
}
