/**
 * The sidecar's outbound listener on a TLS port. Services without an address share one listener
 * (0.0.0.0:port); its filter chains match the SNI hosts of the tls routes of every VirtualService
 * attached to one of those services (pilot/pkg/networking/core/tls.go,
 * buildSidecarOutboundTLSFilterChainOpts). So a VirtualService for `*.wikipedia.org` attached to the
 * registered `www.wikipedia.org` routes every SNI its `sniHosts` match, registered or not.
 */
import { protocolClass } from '../protocol.js';
import { get, type Resource } from '../resource.js';
import { hostMatches, servicePortProtocol, stringList } from './hosts.js';
import { virtualServiceHosts } from './routes.js';

/** The ServiceEntries (of those given) that open a shared TLS listener on the port: a TLS-class port, no address. */
export function sharedTlsListenerEntries(entries: readonly Resource[], port: number): Resource[] {
  return entries.filter((se) => {
    if (stringList(get(se.body, ['spec', 'addresses'])).length > 0) return false;
    const ports = get(se.body, ['spec', 'ports']);
    return (
      Array.isArray(ports) &&
      ports.some((p) => {
        const protocol = servicePortProtocol(p);
        return (
          get(p, ['number']) === port && protocol !== undefined && protocolClass(protocol) === 'tls'
        );
      })
    );
  });
}

/** The entry a VirtualService attaches to (one of its hosts matches the entry's), if any. */
export function attachedEntry(vs: Resource, entries: readonly Resource[]): Resource | undefined {
  const hosts = virtualServiceHosts(vs);
  return entries.find((se) =>
    stringList(get(se.body, ['spec', 'hosts'])).some((h) => hosts.some((v) => hostMatches(v, h))),
  );
}
