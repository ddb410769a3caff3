import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_MESH,
  isNearMissConfigPath,
  parseProjectConfig,
} from '../../src/config/project-config.js';
import { readSimpleYaml } from '../../src/load/simple-yaml.js';
import { resolvePlainScalar } from '../../src/load/yaml-dialect.js';
import { ROOT } from '../support.js';

describe('project config', () => {
  it('fills in defaults for what it does not say', () => {
    const c = parseProjectConfig(
      'rules:\n  policy-name: off\nmesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
    );
    expect(c.rules).toEqual({ 'policy-name': 'off' });
    expect(c.failOn).toBe('error');
    expect(c.comment).toBe('on-change');
    expect(c.mesh).toEqual({ ...DEFAULT_MESH, outboundTrafficPolicy: 'REGISTRY_ONLY' });
  });

  it('an empty file is the defaults', () => {
    expect(parseProjectConfig('').failOn).toBe('error');
  });

  it.each([
    [
      'unknown top-level key',
      'pathz: [a]\n',
      '.github/egress-lint.yml:1:1: pathz is not a known setting',
    ],
    [
      'bad severity',
      'rules:\n  schema: fatal\n',
      '.github/egress-lint.yml:2:3: rules.schema must be one of off, info, warning, error',
    ],
    [
      'bad mode',
      'mesh:\n  outboundTrafficPolicy: DENY\n',
      '.github/egress-lint.yml:2:3: mesh.outboundTrafficPolicy must be one of REGISTRY_ONLY, ALLOW_ANY, ALLOW_ANY_DYNAMIC_DNS',
    ],
    ['not YAML', 'rules: [\n', '.github/egress-lint.yml:2:1: invalid YAML'],
    [
      'duplicate key',
      'failOn: error\nfailOn: warning\n',
      '.github/egress-lint.yml:2:1: invalid YAML',
    ],
  ])('%s is an error with file:line:column', (_name, text, message) => {
    expect(() => parseProjectConfig(text)).toThrow(ConfigError);
    try {
      parseProjectConfig(text);
    } catch (e) {
      expect((e as Error).message.startsWith(message)).toBe(true);
    }
  });

  it('reads `off` as the word off (YAML 1.1 would make it false)', () => {
    const config = parseProjectConfig('comment: off\nrules:\n  policy-name: off\n');
    expect(config.comment).toBe('off');
    expect(config.rules).toEqual({ 'policy-name': 'off' });
  });

  it('rejects an unknown comment mode with file and line', () => {
    expect(() => parseProjectConfig('failOn: error\ncomment: sometimes\n')).toThrow(ConfigError);
    expect(() => parseProjectConfig('failOn: error\ncomment: sometimes\n')).toThrow(
      /^\.github\/egress-lint\.yml:2:1: comment must be one of always, on-change, off$/,
    );
  });
});

describe('project config errors as data', () => {
  it('lists every problem with its position; line and column are the first', () => {
    try {
      parseProjectConfig('comment: sometimes\nrules:\n  polcy-name: off\nfailOn: fatal\n', 'c.yml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect([err.file, err.line, err.column]).toEqual(['c.yml', 1, 1]);
      expect(err.problems.map((p) => [p.line, p.message])).toEqual([
        [1, 'comment must be one of always, on-change, off'],
        [3, 'rules.polcy-name is not a rule egress-lint knows; did you mean policy-name?'],
        [4, 'failOn must be one of error, warning, info, never'],
      ]);
    }
  });

  it('guards the config as policy files: cyclic aliases and deep nesting are errors', () => {
    expect(() => parseProjectConfig('mesh: &M {x: *M}\n')).toThrow(
      /^\.github\/egress-lint\.yml:1:14: alias \*M refers to the node its own anchor/,
    );
    expect(() => parseProjectConfig(`paths: ${'['.repeat(2200)}${']'.repeat(2200)}\n`)).toThrow(
      /nesting deeper than 128 levels/,
    );
  });

  it('knows which file names are near misses of .github/egress-lint.yml', () => {
    const near = [
      '.github/egress-lint.yaml',
      '.egress-lint.yml',
      'egress-lint.yaml',
      '.github/egress_lint.yml',
      '.github/Egress-Lint.yml',
    ];
    expect(near.filter(isNearMissConfigPath)).toEqual(near);
    expect(
      ['.github/egress-lint.yml', 'policies/egress-lint.yml', 'egress.yml'].some(
        isNearMissConfigPath,
      ),
    ).toBe(false);
  });
});

describe('the two readers of the config file', () => {
  // A `%YAML` directive makes the simple reader leave the whole file to the full parser, and means
  // nothing else here (the config is read as YAML 1.2 anyway): so it shows what the full path reads.
  const viaFullParser = (text: string) => parseProjectConfig(`%YAML 1.2\n---\n${text}`);
  const configs = [
    ...findConfigFiles(join(ROOT, 'fixtures')).map((f) => readFileSync(f, 'utf8')),
    'failOn: warning\ncomment: off\nrules:\n  policy-name: off\n  schema: warning\n',
    "paths: [policies, 'istio/*.yaml', \"x y\"]\nignore:\n  - '**/draft-*'\n",
    // YAML 1.2 reads 0100000 as 100000, YAML 1.1 as 32768: the readers must agree on the dialect.
    'limits:\n  maxFileBytes: 0100000\nmesh:\n  defaultNamespace: "on"\n  clusterDomain: corp.example\n',
    'mesh: {}\nrules: {}\n# a comment\n',
  ];

  it.each(configs)('read the same config: %s', (text) => {
    expect(readSimpleYaml(text, resolvePlainScalar)).toBeDefined();
    expect(parseProjectConfig(text)).toEqual(viaFullParser(text));
  });

  it('a problem found on the simple path is reported with its position by the full one', () => {
    expect(() => parseProjectConfig('mesh:\n  outboundTrafficPolicy: SOMETIMES\n')).toThrow(
      /^\.github\/egress-lint\.yml:2:3: mesh\.outboundTrafficPolicy must be one of/,
    );
    expect(() => parseProjectConfig('rules:\n  polcy-name: off\n')).toThrow(
      /^\.github\/egress-lint\.yml:2:3: rules\.polcy-name is not a rule egress-lint knows; did you mean policy-name\?/,
    );
  });
});

function findConfigFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.github/egress-lint.yml'))
    .map((p) => join(dir, p));
}
