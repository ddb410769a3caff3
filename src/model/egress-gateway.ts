/** Typed view of an ASM `IstioGateway`, or the gateway we must assume when the repository lacks it. */
import type { MeshDefaults } from '../config/project-config.js';
import type { FieldPath } from './field-path.js';
import { protocolFromPortName } from './protocol.js';
import { serviceHostName } from './istio/names.js';
import { get, isObject, type Resource } from './resource.js';

export interface GatewayPort {
  name: string;
  port: number;
  targetPort?: number;
  /** From the port name (`http`, `https-444`, `tls-445`...), or the explicit protocol field. */
  protocol?: string;
  path: FieldPath;
}

export interface EgressGateway {
  name: string;
  namespace: string;
  /** The IstioGateway resource, when the config set has it. */
  resource?: Resource;
  gatewayType?: string;
  ports: readonly GatewayPort[];
  podLabels: Readonly<Record<string, string>>;
  /** In-mesh host of the gateway's Service: istio-<name>.<namespace>.svc.<cluster domain> */
  serviceHost: string;
  /** The pod label that Gateway and AuthorizationPolicy selectors must use. */
  selector: Readonly<Record<string, string>>;
}

export function gatewayServiceHost(name: string, namespace: string, domain: string): string {
  return serviceHostName(`istio-${name}`, namespace, domain);
}

export function readIstioGateway(resource: Resource, defaults: MeshDefaults): EgressGateway {
  const spec = isObject(resource.body.spec) ? resource.body.spec : {};
  const ports: GatewayPort[] = [];
  if (Array.isArray(spec.ports)) {
    spec.ports.forEach((p, i) => {
      if (!isObject(p) || typeof p.port !== 'number') return;
      const name = typeof p.name === 'string' ? p.name : '';
      const explicit = typeof p.protocol === 'string' ? p.protocol.toUpperCase() : undefined;
      const protocol = protocolFromPortName(name) ?? explicit;
      ports.push({
        name,
        port: p.port,
        ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
        ...(protocol ? { protocol } : {}),
        path: ['spec', 'ports', i],
      });
    });
  }
  const podLabels = get(spec, ['podLabels']);
  return {
    name: resource.name,
    namespace: resource.namespace,
    resource,
    ...(typeof spec.gatewayType === 'string' ? { gatewayType: spec.gatewayType } : {}),
    ports,
    podLabels: isObject(podLabels) ? (podLabels as Record<string, string>) : {},
    serviceHost: gatewayServiceHost(resource.name, resource.namespace, defaults.clusterDomain),
    selector: { [defaults.gatewayLabel]: resource.name },
  };
}

/** A gateway named by a policy but not in the config set (created in the console, say). */
export function assumedGateway(name: string, defaults: MeshDefaults): EgressGateway {
  return {
    name,
    namespace: defaults.gatewayNamespace,
    ports: [],
    podLabels: {},
    serviceHost: gatewayServiceHost(name, defaults.gatewayNamespace, defaults.clusterDomain),
    selector: { [defaults.gatewayLabel]: name },
  };
}
