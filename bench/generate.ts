/**
 * A synthetic policy repository for benchmarks: `policies` policies of 3 rules x 3 destinations each
 * (HTTP with httpsUpgrade, HTTPS and TCP), one policy per file as teams keep them, and one egress
 * gateway per 1,000 policies so allocated TLS/TCP ports (10001-20000 per gateway) never run out.
 */
import type { SourceFile } from '../src/load/load.js';

export interface GeneratedRepo {
  files: SourceFile[];
  bytes: number;
}

export function generatePolicyRepo(
  policies: number,
  rulesPerPolicy = 3,
  destinationsPerRule = 3,
): GeneratedRepo {
  const files: SourceFile[] = [];
  const gateways = Math.max(1, Math.ceil(policies / 1000));
  for (let g = 0; g < gateways; g++) {
    files.push({
      path: `gateways/egressgateway-${g}.yaml`,
      content: egressGatewayYaml(`egressgateway-${g}`),
    });
  }
  for (let p = 0; p < policies; p++) {
    const lines = [
      'apiVersion: istio.alibabacloud.com/v1',
      'kind: ASMEgressTrafficPolicy',
      'metadata:',
      `  name: team-${p}-egress`,
      '  namespace: istio-egress',
      'spec:',
      '  byEgressGateway:',
      `    name: egressgateway-${p % gateways}`,
      '  egressRules:',
    ];
    for (let r = 0; r < rulesPerPolicy; r++) {
      lines.push(
        `  - name: rule-${r}`,
        '    from:',
        `    - namespace: team-${p}`,
        '      workloadSelector:',
        `        app: app-${r}`,
        '    to:',
      );
      for (let d = 0; d < destinationsPerRule; d++) {
        const kind = d % 3;
        const host = `api-${p}-${r}-${d}.example.com`;
        const [proto, number] =
          kind === 0 ? ['HTTP', 80] : kind === 1 ? ['HTTPS', 443] : ['TCP', 5432];
        lines.push(
          `    - name: dest-${r}-${d}`,
          '      hosts:',
          `      - ${host}`,
          '      port:',
          `        name: ${proto.toLowerCase()}`,
          `        number: ${number}`,
          `        protocol: ${proto}`,
        );
        if (kind === 0)
          lines.push(
            '      byEgressGateway:',
            '        port: 80',
            '      httpsUpgrade:',
            '        enabled: true',
            '        port: 443',
          );
        else lines.push('      byEgressGateway: {}');
      }
    }
    files.push({ path: `policies/team-${p}.yaml`, content: `${lines.join('\n')}\n` });
  }
  return { files, bytes: files.reduce((n, f) => n + Buffer.byteLength(f.content as string), 0) };
}

/**
 * The seeds' egress gateway: ports HTTP 80, HTTPS 443, HTTPS 444, and the mTLS pod label. `extra` is
 * appended YAML (more spec fields at two spaces). The rule tests use it too.
 */
export function egressGatewayYaml(name: string, extra = ''): string {
  return `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata:
  name: ${name}
  namespace: istio-system
spec:
  gatewayType: egress
  ports:
  - name: http
    port: 80
    targetPort: 80
  - name: https
    port: 443
    targetPort: 443
  - name: https-444
    port: 444
    targetPort: 444
  podLabels:
    security.istio.io/tlsMode: istio
${extra}`;
}
