/**
 * A synthetic policy repository for benchmarks: one egress gateway and `policies` policies of
 * 3 rules x 3 destinations each (HTTP, HTTPS and TCP), one policy per file, as a team would keep them.
 */
import type { SourceFile } from '../src/load/load.js';

export interface GeneratedRepo {
  files: SourceFile[];
  bytes: number;
}

export function generatePolicyRepo(policies: number, rulesPerPolicy = 3, destinationsPerRule = 3): GeneratedRepo {
  const files: SourceFile[] = [];
  const gatewayPorts = [80, 443, 444];
  files.push({
    path: 'gateways/egressgateway.yaml',
    content: `apiVersion: istio.alibabacloud.com/v1beta1
kind: IstioGateway
metadata:
  name: egressgateway
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
`,
  });
  for (let p = 0; p < policies; p++) {
    const lines = [
      'apiVersion: istio.alibabacloud.com/v1',
      'kind: ASMEgressTrafficPolicy',
      'metadata:',
      `  name: team-${p}-egress`,
      '  namespace: istio-egress',
      'spec:',
      '  byEgressGateway:',
      '    name: egressgateway',
      '  egressRules:',
    ];
    for (let r = 0; r < rulesPerPolicy; r++) {
      lines.push(`  - name: rule-${r}`, '    from:', `    - namespace: team-${p}`, '      workloadSelector:', `        app: app-${r}`, '    to:');
      for (let d = 0; d < destinationsPerRule; d++) {
        const kind = d % 3;
        const host = `api-${p}-${r}-${d}.example.com`;
        const [proto, number] = kind === 0 ? ['HTTP', 80] : kind === 1 ? ['HTTPS', 443] : ['TCP', 5432];
        lines.push(
          `    - name: dest-${r}-${d}`,
          '      hosts:',
          `      - ${host}`,
          '      port:',
          `        name: ${proto.toLowerCase()}`,
          `        number: ${number}`,
          `        protocol: ${proto}`,
        );
        if (kind === 0) lines.push('      byEgressGateway:', `        port: ${gatewayPorts[0]}`, '      httpsUpgrade:', '        enabled: true', '        port: 443');
        else if (kind === 1) lines.push('      byEgressGateway:', `        port: ${gatewayPorts[2]}`);
        else lines.push('      byEgressGateway: {}');
      }
    }
    files.push({ path: `policies/team-${p}.yaml`, content: `${lines.join('\n')}\n` });
  }
  return { files, bytes: files.reduce((n, f) => n + Buffer.byteLength(f.content as string), 0) };
}
