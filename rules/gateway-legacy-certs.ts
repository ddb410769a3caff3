import { defineRule } from '../src/lint/rule.js';
import { gatewayServers, ISTIO_FILE_CERT_DIR } from '../src/model/istio.js';
import { KIND } from '../src/model/kinds.js';
import { get } from '../src/model/resource.js';

/**
 * Older Istio mounted each proxy's mesh certificate under /etc/certs/, and older docs (seed 004)
 * terminate the mesh's mTLS at the egress gateway with `tls.mode: MUTUAL` and those files. Current
 * gateways have no such files unless installed with `values.global.mountMtlsCerts` (off by default),
 * so Envoy cannot load the server's certificate and the port does not work. ISTIO_MUTUAL does the same
 * with the certificates Istio delivers today.
 */
export default defineRule({
  meta: {
    id: 'gateway-legacy-certs',
    severity: 'warning',
    description:
      "Gateway server that terminates TLS with Istio's old file-mounted certificates (/etc/certs/) instead of ISTIO_MUTUAL",
    kinds: ['Gateway'],
  },
  check({ index, report }) {
    for (const gateway of index.ofKind(KIND.gateway)) {
      for (const server of gatewayServers(gateway)) {
        const field = ['serverCertificate', 'privateKey', 'caCertificates'].find((f) =>
          String(get(server.tls, [f]) ?? '').startsWith(ISTIO_FILE_CERT_DIR),
        );
        if (!field) continue;
        report({
          resource: gateway,
          path: [...server.path, 'tls', field],
          message: `${field} points into ${ISTIO_FILE_CERT_DIR}, where older Istio mounted the proxy's mesh certificate; current gateways have no such files (unless installed with values.global.mountMtlsCerts), so Envoy cannot load this server on port ${server.port}; use tls.mode: ISTIO_MUTUAL without certificate paths`,
        });
      }
    }
  },
});
