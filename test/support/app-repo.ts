/** The repository the app tests check: the seed walkthrough's ASM HTTP example, as a team would keep it. */
import { readFileSync } from 'node:fs';

const SEED = new URL('../../fixtures/seeds/asm-http/', import.meta.url);
export const seed = (f: string): string => readFileSync(new URL(f, SEED), 'utf8');
export const CONFIG = '.github/egress-lint.yml';
export const POLICY = 'mesh/egress-by-egressgateway.yaml';
export const BASE_FILES: Record<string, string> = {
  [CONFIG]: seed('.github/egress-lint.yml'),
  // The seed names its gateway egressgateway-a but routes through egressgateway; a clean repository
  // needs the two to agree (the linter reports the seed as written: gateway-not-found).
  'mesh/egress-gateway.yaml': seed('egress-gateway.yaml').replace(
    'name: egressgateway-a',
    'name: egressgateway',
  ),
  [POLICY]: seed('egress-by-egressgateway.yaml'),
  'mesh/workloads.yaml': seed('workloads.yaml'),
  'README.md': '# mesh config\n',
};
/** A clean change: one more host. */
export const withHost = (files: Record<string, string>): Record<string, string> => ({
  ...files,
  [POLICY]: files[POLICY]!.replace(
    /^( +)- httpbin\.org.*$/m,
    '$1- httpbin.org\n$1- eu.httpbin.org',
  ),
});
/** A breaking change: one schema error. */
export const withBadProtocol = (files: Record<string, string>): Record<string, string> => ({
  ...files,
  [POLICY]: files[POLICY]!.replace('protocol: HTTP', 'protocol: HTTPX'),
});
