/** Throwaway repositories on disk for CLI tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { egressGateway, policyTo } from '../rule-fixtures.js';

export function makeRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'egress-lint-cli-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const REGISTRY_ONLY = 'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n';
export const HTTP_DESTINATION =
  '    - hosts: [httpbin.org]\n      port: {name: http, number: 80, protocol: HTTP}\n      byEgressGateway: {port: 80}\n';

/** Nothing to report. */
export const CLEAN_REPO = {
  '.github/egress-lint.yml': REGISTRY_ONLY,
  'mesh/gateway.yaml': egressGateway(),
  'mesh/policy.yaml': policyTo(HTTP_DESTINATION),
};

/** Warnings only: a port name that contradicts its protocol. */
export const WARNING_REPO = {
  ...CLEAN_REPO,
  'mesh/policy.yaml': policyTo(HTTP_DESTINATION.replace('name: http,', 'name: https,')),
};

/** Errors, a warning, an info and a suppressed finding, in several files. */
export const ERROR_REPO = {
  '.github/egress-lint.yml': `${REGISTRY_ONLY}rules:\n  hosts-resolve-same: info\n`,
  'mesh/gateway.yaml': egressGateway(),
  'mesh/policy.yaml': policyTo(
    '    - hosts: [httpbin.org, example.org]\n      port: {name: https, number: 443, protocol: HTTPS}\n      byEgressGateway: {port: 8443}\n',
  ),
  'mesh/other.yaml': policyTo(
    HTTP_DESTINATION.replace('name: http,', 'name: https,'),
    'egressgatway-a',
  ).replace(
    '  namespace: istio-egress\n',
    '  namespace: istio-egress\n  annotations:\n    egress-lint.io/ignore: gateway-port-mismatch\n',
  ),
};
