/**
 * The Istio rules over the seed configurations (fixtures/seeds, each folder one repository with its
 * own .github/egress-lint.yml): exactly the findings each deserves, and none on what the renderer makes
 * of every ASM seed once its gateway is declared and the AuthorizationPolicy selects it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { analyzeSources } from '../src/analyze.js';
import { DEFAULT_CONFIG, parseProjectConfig } from '../src/config/project-config.js';
import type { SourceFile } from '../src/load/load.js';
import { lint } from '../src/lint/engine.js';
import { ISTIO_RULES } from './istio-fixtures.js';

const SEEDS = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url));

function readRepository(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      if (entry === '.github') continue;
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry))
        files.push({ path: relative(dir, path), content: readFileSync(path, 'utf8') });
    }
  };
  walk(dir);
  return files;
}

function istioFindings(dir: string, edit: (f: SourceFile) => SourceFile = (f) => f): string[] {
  const configPath = join(dir, '.github/egress-lint.yml');
  const config = existsSync(configPath)
    ? parseProjectConfig(readFileSync(configPath, 'utf8'), '.github/egress-lint.yml')
    : DEFAULT_CONFIG;
  const analysis = analyzeSources(readRepository(dir).map(edit), config);
  const rules = RULES.filter((r) => ISTIO_RULES.includes(r.meta.id));
  return lint(analysis, config, rules)
    .findings.filter((f) => ISTIO_RULES.includes(f.ruleId) || f.ruleId === 'internal-error')
    .map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`);
}

const EXPECTED: Record<string, string[]> = {
  // The policy names egressgateway, which is not declared (gateway-not-found); the DENY policy selects
  // the declared egressgateway-a, so its mismatch follows from the misnamed gateway and is left out.
  'asm-deny-post': [],
  'asm-http': [],
  'asm-https-444': [],
  'asm-https-upgrade': [],
  'asm-tcp': [],
  // The DestinationRule's subset name is not DNS-1123 (schema), so Istio rejects it and the route's
  // subset exists nowhere.
  'istio-002-deny-namespace': ['dr-subset-missing virtualservice.yaml:24:9'],
  'istio-003-mtls-origination': [],
  // The gateway's DestinationRule is in default only (the seed's own warning); /etc/certs is gone.
  'istio-004-http-gateway': [
    'dr-lookup-path gateway.yaml:26:1',
    'gateway-legacy-certs gateway.yaml:20:7',
  ],
  // The VirtualService fails the schema (sni_hosts), so nothing routes through the gateway.
  'istio-004-https-gateway': ['gateway-legacy-certs gateway.yaml:19:7'],
};

describe('Istio rules over the seed repositories', () => {
  it('covers every seed folder', () => {
    expect(readdirSync(SEEDS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const [seed, expected] of Object.entries(EXPECTED)) {
    it(`${seed}: ${expected.length} finding(s)`, () => {
      expect(istioFindings(join(SEEDS, seed)).sort()).toEqual([...expected].sort());
    });
  }
});

describe('rendered output of the ASM seeds', () => {
  // Declare the gateway the policies name, and let the AuthorizationPolicy select it.
  const fix = (f: SourceFile): SourceFile =>
    typeof f.content === 'string'
      ? { ...f, content: f.content.replaceAll('egressgateway-a', 'egressgateway') }
      : f;
  const asm = readdirSync(SEEDS).filter((d) => d.startsWith('asm-'));

  it('has ASM seeds to check', () => expect(asm.length).toBeGreaterThan(0));
  for (const seed of asm) {
    it(`${seed}: no Istio rule finding`, () => {
      expect(istioFindings(join(SEEDS, seed), fix)).toEqual([]);
    });
  }
});
