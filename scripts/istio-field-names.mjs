// Regenerates src/schema/istio-field-names.json: every field name the Istio validators we use know,
// harvested from @kubernetes-models/istio's compiled schemas. The list only feeds "did you mean"
// suggestions for unknown fields; test/schema/istio-field-names.test.ts fails when it is stale.
//   node scripts/istio-field-names.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const SCHEMA_FILES = [
  'NetworkingIstioIoV1ServiceEntry',
  'NetworkingIstioIoV1VirtualService',
  'NetworkingIstioIoV1DestinationRule',
  'NetworkingIstioIoV1Gateway',
  'NetworkingIstioIoV1Sidecar',
  'SecurityIstioIoV1AuthorizationPolicy',
  'SecurityIstioIoV1PeerAuthentication',
];

export function harvest() {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@kubernetes-models/istio/package.json')), '_schemas');
  const names = new Set();
  for (const f of SCHEMA_FILES) {
    const code = readFileSync(join(dir, `${f}.js`), 'utf8');
    for (const m of code.matchAll(/data\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]);
  }
  return [...names].sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = new URL('../src/schema/istio-field-names.json', import.meta.url);
  writeFileSync(out, `${JSON.stringify(harvest(), null, 0)}\n`);
  console.log(`wrote ${out.pathname}`);
}
