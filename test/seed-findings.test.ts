/**
 * Every seed configuration (fixtures/seeds/<scenario>, faithful copies of the vendor walkthroughs,
 * mistakes included) lints with exactly the findings it deserves. Each folder is linted as the CLI
 * does, with the folder as the root, so its .github/egress-lint.yml is read.
 *
 * EXPECTED is the one table to extend when a rule starts finding something in a seed: add a row with
 * the rule id, file, line and a fragment of the message, and a line to docs/seed-findings.md saying why.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/program.js';
import type { JsonReport } from '../src/report/json.js';
import { captureIO } from './helpers/revisions.js';
import { SEEDS, seedScenarios } from './support.js';

interface Expected {
  ruleId: string;
  file: string;
  line: number;
  message: string;
}

/** The policy of seeds 000/001 names `egressgateway`; the gateway they create is `egressgateway-a`. */
const gatewayTypo: Expected = {
  ruleId: 'gateway-not-found',
  file: 'egress-by-egressgateway.yaml',
  line: 9,
  message:
    'no egress gateway named "egressgateway" in the config set; did you mean "egressgateway-a"?',
};

const EXPECTED: Record<string, Expected[]> = {
  'asm-http': [gatewayTypo],
  'asm-https-upgrade': [gatewayTypo],
  'asm-https-444': [gatewayTypo],
  'asm-tcp': [gatewayTypo],
  // The DENY policy selects the declared egressgateway-a: right once the policy's typo is fixed, so
  // its mismatch with the misnamed gateway is not reported (it follows from gatewayTypo).
  'asm-deny-post': [gatewayTypo],
  'istio-002-deny-namespace': [
    {
      ruleId: 'schema',
      file: 'destinationrule.yaml',
      line: 10,
      message: 'subset name "target-egress-gateway-mTLS" is not a DNS-1123 label',
    },
    {
      ruleId: 'dr-subset-missing',
      file: 'virtualservice.yaml',
      line: 24,
      message:
        'subset "target-egress-gateway-mTLS" of istio-egressgateway.istio-system.svc.cluster.local is defined by no DestinationRule',
    },
  ],
  'istio-003-mtls-origination': [],
  'istio-004-http-gateway': [
    {
      ruleId: 'gateway-legacy-certs',
      file: 'gateway.yaml',
      line: 20,
      message: 'serverCertificate points into /etc/certs/',
    },
    {
      ruleId: 'dr-lookup-path',
      file: 'gateway.yaml',
      line: 26,
      message:
        'DestinationRule default/egressgateway-for-cnn for istio-egressgateway.istio-system.svc.cluster.local is on the lookup path of clients in default only',
    },
  ],
  'istio-004-https-gateway': [
    {
      ruleId: 'gateway-legacy-certs',
      file: 'gateway.yaml',
      line: 19,
      message: 'serverCertificate points into /etc/certs/',
    },
    {
      ruleId: 'schema',
      file: 'gateway.yaml',
      line: 53,
      message: 'spec.tls[0].match[0].sniHosts is required',
    },
    {
      ruleId: 'schema',
      file: 'gateway.yaml',
      line: 56,
      message: 'unknown field spec.tls[0].match[0].sni_hosts (did you mean sniHosts?)',
    },
  ],
};

const scenarios = seedScenarios();

async function lintSeed(scenario: string): Promise<{ code: number; report: JsonReport }> {
  const io = captureIO(join(SEEDS, scenario));
  const code = await run(['lint', '--format', 'json'], io);
  expect(io.err).toBe('');
  return { code, report: JSON.parse(io.out) as JsonReport };
}

describe('seed configurations', () => {
  it('every seed folder has an expectation, and every expectation a folder', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(scenarios);
  });

  for (const scenario of scenarios) {
    it(`${scenario} lints with exactly its expected findings`, async () => {
      const { code, report } = await lintSeed(scenario);
      const expected = EXPECTED[scenario] ?? [];
      const got = report.findings.filter((f) => !f.suppressed);
      expect(got.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual(
        expected.map((e) => `${e.ruleId} ${e.file}:${e.line}`),
      );
      got.forEach((f, i) => expect(f.message).toContain(expected[i]!.message));
      const failing = got.some((f) => f.severity === 'error');
      expect(code).toBe(failing ? 1 : 0);
    });
  }
});
