/**
 * Our own output lints clean: what `render` writes for every fixture repository (the seeds, both sides
 * of every revision pair, Bookinfo), linted on its own, gives no error or warning. The renderer's
 * refusal route (SNI refused.egress-lint.invalid, which no server takes on purpose) is no finding.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../rules/index.js';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG, parseProjectConfig } from '../../src/config/project-config.js';
import type { SourceFile } from '../../src/load/load.js';
import { lint } from '../../src/lint/engine.js';
import { REFUSED_SNI } from '../../src/render/render.js';
import { resourcesToYaml } from '../../src/render/emit.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Folders holding a repository: the seeds, each side of a revision pair, Bookinfo. */
function repositories(): string[] {
  const seeds = readdirSync(join(FIXTURES, 'seeds')).map((s) => join('seeds', s));
  const revisions = readdirSync(join(FIXTURES, 'revisions')).flatMap((r) =>
    ['base', 'head'].map((side) => join('revisions', r, side)),
  );
  return [...seeds, ...revisions, 'bookinfo'].filter((d) => existsSync(join(FIXTURES, d)));
}

function readRepository(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (entry === '.github') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry))
        files.push({ path: relative(dir, path), content: readFileSync(path, 'utf8') });
    }
  };
  walk(dir);
  return files;
}

function configOf(dir: string) {
  const file = join(dir, '.github/egress-lint.yml');
  return existsSync(file)
    ? parseProjectConfig(readFileSync(file, 'utf8'), '.github/egress-lint.yml')
    : DEFAULT_CONFIG;
}

describe('lint on what render wrote', () => {
  const all = repositories();

  it('renders something that carries the deliberate refusal SNI', () => {
    const rendered = all.map((d) =>
      resourcesToYaml(
        analyzeSources(readRepository(join(FIXTURES, d)), configOf(join(FIXTURES, d))).render
          .resources,
      ),
    );
    expect(rendered.some((y) => y.includes(REFUSED_SNI))).toBe(true);
  });

  // The fixture that breaks Istio on purpose (hosts it rejects, to test that nothing crashes on them):
  // its policy names an IP, so the rendered ServiceEntry is rejected, and the render stage says so on
  // the source.
  const broken = [join('revisions', 'serviceentry-host-shapes', 'head')];

  it('the deliberately broken fixture is flagged on its source policy', () => {
    const dir = join(FIXTURES, broken[0]!);
    const config = configOf(dir);
    const findings = lint(analyzeSources(readRepository(dir), config), config, RULES).findings;
    expect(
      findings
        .filter((f) => f.ruleId === 'render' && f.file === 'egress-by-egressgateway.yaml')
        .map((f) => `${f.line}:${f.column}`),
    ).toEqual(['20:9']);
  });

  it.each(all.filter((d) => !broken.includes(d)))(
    '%s: the rendered output gives no error or warning',
    (dir) => {
      const config = configOf(join(FIXTURES, dir));
      const rendered = resourcesToYaml(
        analyzeSources(readRepository(join(FIXTURES, dir)), config).render.resources,
      );
      const analysis = analyzeSources([{ path: 'rendered.yaml', content: rendered }], config);
      const findings = lint(analysis, config, RULES)
        .findings.filter((f) => f.severity !== 'info')
        .map((f) => `${f.line}:${f.column} ${f.ruleId}: ${f.message}`);
      expect(findings).toEqual([]);
    },
  );
});
