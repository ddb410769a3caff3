/**
 * Seed fixtures for simulator tests: read a fixture folder (a repository with .github/egress-lint.yml),
 * optionally correct it, drop files (a deleted policy) or add files, and explain requests against it.
 * Every correction must change the text it names, so a test cannot pass on a correction that silently
 * stopped applying.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeSources, type Analysis } from '../../src/analyze.js';
import { DEFAULT_CONFIG, parseProjectConfig } from '../../src/config/project-config.js';
import { createSimulator } from '../../src/simulate/explain.js';
import { parseRequestUrl, parseSource } from '../../src/simulate/request.js';
import type { Explanation } from '../../src/simulate/types.js';

const SEEDS = fileURLToPath(new URL('../../fixtures/seeds/', import.meta.url));

export interface Correction {
  file: string;
  from: string;
  to: string;
  /** Which inconsistency of the seed this resolves (documentation for the reader of the test). */
  why: string;
}

export interface FixtureOptions {
  corrections?: Correction[];
  /** Files to leave out, e.g. the policy after `kubectl delete`. */
  without?: string[];
  /** Extra files by path. */
  extra?: Record<string, string>;
}

export function readFixture(
  name: string,
  options: FixtureOptions = {},
): { files: Record<string, string>; config: string | undefined } {
  const { files, config } = readTree(join(SEEDS, name));
  for (const f of options.without ?? []) {
    if (!(f in files)) throw new Error(`fixture ${name} has no file ${f} to leave out`);
    delete files[f];
  }
  for (const c of options.corrections ?? []) {
    const text = files[c.file];
    if (text === undefined || !text.includes(c.from))
      throw new Error(`correction "${c.why}": ${name}/${c.file} does not contain "${c.from}"`);
    files[c.file] = text.split(c.from).join(c.to);
  }
  Object.assign(files, options.extra ?? {});
  return { files, config };
}

/** The YAML files of a repository folder by relative path, and its `.github/egress-lint.yml`. */
export function readTree(dir: string): {
  files: Record<string, string>;
  config: string | undefined;
} {
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) {
        if (entry !== '.github') walk(p);
      } else if (/\.ya?ml$/.test(entry)) files[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  let config: string | undefined;
  try {
    config = readFileSync(join(dir, '.github/egress-lint.yml'), 'utf8');
  } catch {
    config = undefined;
  }
  return { files, config };
}

export function analyzeFixture(name: string, options: FixtureOptions = {}): Analysis {
  const { files, config } = readFixture(name, options);
  return analyzeSources(
    Object.entries(files).map(([path, content]) => ({ path: `${name}/${path}`, content })),
    config ? parseProjectConfig(config) : DEFAULT_CONFIG,
  );
}

export type Explain = (
  from: string,
  url: string,
  opts?: { method?: string; serviceAccount?: string },
) => Explanation;

export function simulatorFor(analysis: Analysis): Explain {
  const simulate = createSimulator(analysis);
  return (from, url, opts = {}) =>
    simulate(parseSource(from, opts.serviceAccount), parseRequestUrl(url, opts.method));
}

export function fixtureSimulator(name: string, options: FixtureOptions = {}): Explain {
  return simulatorFor(analyzeFixture(name, options));
}

/** Seeds 000/001 create the egress gateway as `egressgateway-a`, but their policies name `egressgateway`. */
export const RENAME_ASM_GATEWAY: Correction = {
  file: 'egress-gateway.yaml',
  from: 'name: egressgateway-a',
  to: 'name: egressgateway',
  why: 'seeds 000/001 create egress gateway egressgateway-a, while every policy names byEgressGateway egressgateway',
};

/** Decision texts joined, for asserting that a resource took part. */
export function decisionText(e: Explanation): string {
  return e.decisions.map((d) => d.text).join('\n');
}

/** A ServiceEntry registering `host` on port 80 (HTTP), resolved by DNS, then a document separator. */
export function httpEntry(name: string, namespace: string, host = `${name}.org`): string {
  return `${serviceEntry(name, namespace, host, '{number: 80, name: http, protocol: HTTP}')}---\n`;
}

/** A ServiceEntry registering `host` with one port (a YAML flow mapping), resolved by DNS. */
export function serviceEntry(name: string, namespace: string, host: string, port: string): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  hosts: [${host}]
  resolution: DNS
  ports: [${port}]
`;
}
