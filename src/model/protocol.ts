/** Istio protocols and how the egress path treats them. */

export const PROTOCOLS = [
  'HTTP',
  'HTTPS',
  'GRPC',
  'GRPC-WEB',
  'HTTP2',
  'MONGO',
  'TCP',
  'TLS',
] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/**
 * How a destination crosses the mesh: `http` is seen as requests by the sidecar (L7 routing,
 * AuthorizationPolicy methods/paths work); `tls` is routed by SNI only; `tcp` by port only.
 */
export type ProtocolClass = 'http' | 'tls' | 'tcp';

export function protocolClass(p: string): ProtocolClass {
  switch (p.toUpperCase()) {
    case 'HTTP':
    case 'HTTP2':
    case 'GRPC':
    case 'GRPC-WEB':
      return 'http';
    case 'HTTPS':
    case 'TLS':
      return 'tls';
    default:
      return 'tcp';
  }
}

const NAME_PREFIXES: [string, string][] = [
  ['grpc-web', 'GRPC-WEB'],
  ['http2', 'HTTP2'],
  ['https', 'HTTPS'],
  ['http', 'HTTP'],
  ['grpc', 'GRPC'],
  ['tls', 'TLS'],
  ['tcp', 'TCP'],
  ['mongo', 'MONGO'],
  ['mysql', 'MYSQL'],
  ['redis', 'REDIS'],
  ['udp', 'UDP'],
];

/**
 * Istio's protocol selection by port name: `<protocol>[-<suffix>]` (e.g. `http`, `https-444`,
 * `tls-445`). Undefined when the name does not start with a known protocol.
 */
export function protocolFromPortName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const lower = name.toLowerCase();
  for (const [prefix, proto] of NAME_PREFIXES) {
    if (lower === prefix || lower.startsWith(`${prefix}-`)) return proto;
  }
  return undefined;
}
