import { testRule } from '../test/rule-tester.js';
import rule from './gateway-legacy-certs.js';

const gateway = (tls: string): string => `apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata: {name: istio-egressgateway, namespace: default}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: https, protocol: HTTPS}
    hosts: [edition.cnn.com]
    tls:
${tls}`;

testRule(rule, {
  valid: [
    { name: 'ISTIO_MUTUAL', yaml: gateway('      mode: ISTIO_MUTUAL\n') },
    {
      name: 'a certificate of its own',
      yaml: gateway('      mode: SIMPLE\n      credentialName: egress-cert\n'),
    },
  ],
  invalid: [
    {
      name: 'seed 004: MUTUAL with the files older Istio mounted',
      yaml: gateway(
        '      mode: MUTUAL\n      serverCertificate: /etc/certs/cert-chain.pem\n      privateKey: /etc/certs/key.pem\n      caCertificates: /etc/certs/root-cert.pem\n',
      ),
      findings: [
        {
          line: 11,
          column: 7,
          message:
            "serverCertificate points into /etc/certs/, where older Istio mounted the proxy's mesh certificate; current gateways have no such files (unless installed with values.global.mountMtlsCerts), so Envoy cannot load this server on port 80; use tls.mode: ISTIO_MUTUAL without certificate paths",
        },
      ],
    },
  ],
});
