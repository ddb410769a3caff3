import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import {
  escapeData,
  escapeProperty,
  formatAnnotation,
  formatGithub,
} from '../../src/report/github.js';
import { sampleResult } from './sample.js';

const finding = (over: Partial<Finding>): Finding => ({
  ruleId: 'gateway-not-found',
  severity: 'error',
  message: 'no egress gateway named "x"',
  file: 'policies/a.yaml',
  line: 8,
  column: 5,
  endLine: 8,
  endColumn: 18,
  docs: 'https://example.com/rules/gateway-not-found.md',
  ...over,
});

/** What the Actions runner does with a workflow command line (actions/runner ActionCommand.Unescape*). */
function parseCommand(line: string): {
  command: string;
  properties: Record<string, string>;
  data: string;
} {
  const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/s.exec(line);
  if (!m) throw new Error(`not a workflow command: ${line}`);
  const unescape = (s: string): string =>
    s
      .replace(/%0D/g, '\r')
      .replace(/%0A/g, '\n')
      .replace(/%3A/g, ':')
      .replace(/%2C/g, ',')
      .replace(/%25/g, '%');
  const properties: Record<string, string> = {};
  for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    properties[pair.slice(0, eq)] = unescape(pair.slice(eq + 1));
  }
  const data = m[3]!.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  return { command: m[1]!, properties, data };
}

describe('github annotations', () => {
  it('writes one workflow command per finding with position, end and title', () => {
    expect(formatAnnotation(finding({}))).toBe(
      '::error file=policies/a.yaml,line=8,col=5,endLine=8,endColumn=18,title=egress-lint gateway-not-found::no egress gateway named "x"%0Ahttps://example.com/rules/gateway-not-found.md',
    );
    expect(
      formatAnnotation(finding({ severity: 'warning', endLine: undefined, endColumn: undefined })),
    ).toMatch(/^::warning file=policies\/a.yaml,line=8,col=5,title=/);
    expect(formatAnnotation(finding({ severity: 'info' }))).toMatch(/^::notice /);
  });

  it('escapes data (% CR LF) and properties (also : and ,) the way the runner unescapes them', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('keeps hostile messages and paths inside their own annotation', () => {
    const message =
      'host evil.com\n::error file=x::injected, 100%25 :: done\r\n::stop-commands::token';
    const file = 'dir,with:odd/na%me\n::warning::x.yaml';
    const line = formatAnnotation(finding({ message, file }));
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toContain('\r');
    const parsed = parseCommand(line);
    expect(parsed.command).toBe('error');
    expect(Object.keys(parsed.properties)).toEqual([
      'file',
      'line',
      'col',
      'endLine',
      'endColumn',
      'title',
    ]);
    expect(parsed.properties.file).toBe(file);
    expect(parsed.properties.line).toBe('8');
    expect(parsed.data).toBe(`${message}\nhttps://example.com/rules/gateway-not-found.md`);
  });

  it('annotates every finding that is not suppressed, then prints the summary', () => {
    const result = sampleResult();
    const out = formatGithub(result.findings, 'SUMMARY').trimEnd().split('\n');
    expect(out.pop()).toBe('SUMMARY');
    expect(out).toHaveLength(result.findings.filter((f) => !f.suppressed).length);
    expect(out.map((l) => parseCommand(l).properties.title)).toEqual(
      result.findings.filter((f) => !f.suppressed).map((f) => `egress-lint ${f.ruleId}`),
    );
  });
});
