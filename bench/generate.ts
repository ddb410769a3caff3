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
    const content = policyYaml({
      name: `team-${p}-egress`,
      gateway: `egressgateway-${p % gateways}`,
      rules: rulesPerPolicy,
      destinationsPerRule,
      from: (r) => [{ namespace: `team-${p}`, app: `app-${r}` }],
      host: (r, d) => `api-${p}-${r}-${d}.example.com`,
    });
    files.push({ path: `policies/team-${p}.yaml`, content });
  }
  return withBytes(files);
}

export function withBytes(files: SourceFile[]): GeneratedRepo {
  return { files, bytes: files.reduce((n, f) => n + Buffer.byteLength(f.content as string), 0) };
}

export interface PolicyShape {
  name: string;
  gateway: string;
  rules: number;
  destinationsPerRule: number;
  /** The `from` entries of rule `r` (a workloadSelector `app: <app>` when `app` is given). */
  from: (r: number) => { namespace: string; app?: string }[];
  /** The host of destination `d` of rule `r`. */
  host: (r: number, d: number) => string;
}

/**
 * An ASMEgressTrafficPolicy in istio-egress. Destinations cycle through HTTP with httpsUpgrade on
 * gateway port 80, HTTPS and TCP (ports allocated by ASM).
 */
export function policyYaml(shape: PolicyShape): string {
  const lines = [
    'apiVersion: istio.alibabacloud.com/v1',
    'kind: ASMEgressTrafficPolicy',
    'metadata:',
    `  name: ${shape.name}`,
    '  namespace: istio-egress',
    'spec:',
    '  byEgressGateway:',
    `    name: ${shape.gateway}`,
    '  egressRules:',
  ];
  for (let r = 0; r < shape.rules; r++) {
    lines.push(`  - name: rule-${r}`, '    from:');
    for (const f of shape.from(r)) {
      lines.push(`    - namespace: ${f.namespace}`);
      if (f.app !== undefined) lines.push('      workloadSelector:', `        app: ${f.app}`);
    }
    lines.push('    to:');
    for (let d = 0; d < shape.destinationsPerRule; d++) {
      const kind = d % 3;
      const [proto, number] =
        kind === 0 ? ['HTTP', 80] : kind === 1 ? ['HTTPS', 443] : ['TCP', 5432];
      lines.push(
        `    - name: dest-${r}-${d}`,
        '      hosts:',
        `      - ${shape.host(r, d)}`,
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
  return `${lines.join('\n')}\n`;
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
