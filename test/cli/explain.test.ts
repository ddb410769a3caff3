/** `egress-lint explain`, run as the real binary (built by the global setup) on seed fixtures. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${ROOT}dist/src/cli/main.js`;

function explain(
  fixture: string,
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'explain', ...args], {
    cwd: `${ROOT}fixtures/seeds/${fixture}`,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('egress-lint explain', () => {
  it('prints the verdict, what the client sees, the path and the deciding lines; exit 0', () => {
    const r = explain(
      'istio-003-mtls-origination',
      '--from',
      'default/app=sleep',
      '--service-account',
      'sleep',
      '--url',
      'http://test.com/headers',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'default/app=sleep -> http://test.com/headers (GET)\nverdict   denied-by-authz\n',
    );
    expect(r.stdout).toContain('expect    HTTP 403 Forbidden, body "RBAC: access denied"');
    expect(r.stdout).toMatch(
      / {2}2\. sidecar of default\/app=sleep -> istio-egressgateway\.istio-system\.svc\.cluster\.local:80\n {7}mTLS \(ISTIO_MUTUAL/,
    );
    expect(r.stdout).toMatch(
      /DENY AuthorizationPolicy istio-system\/test rule 0 matches\n\s+authorizationpolicy\.yaml:12:5 spec\.rules\[0\]/,
    );
  });

  it('rendered resources point at the policy line', () => {
    const r = explain(
      'asm-http',
      '--from',
      'mytest/app=sleep-a',
      '--url',
      'http://www.httpbin.org',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verdict   broken');
    expect(r.stdout).toMatch(/egress-by-egressgateway\.yaml:9:5 spec\.byEgressGateway\.name/);
  });

  it('--format json gives the explanation object', () => {
    const r = explain(
      'istio-004-http-gateway',
      '--from',
      'default',
      '--url',
      'http://edition.cnn.com/politics',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as {
      verdict: string;
      gateway: { port: number };
      hops: unknown[];
    };
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.gateway.port).toBe(80);
    expect(e.hops).toHaveLength(3);
  });

  // Issue 11: `undetermined` is never a failure by itself, names what is missing in text and JSON,
  // and --expect takes it like any verdict.
  it('undetermined: exit 0, what is missing in text and JSON, and --expect undetermined', () => {
    const args = ['--from', 'mytest', '--url', 'http://reviews.shop.svc.cluster.local:9080/'];
    const text = explain('asm-http', ...args);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('verdict   undetermined');
    expect(text.stdout).toContain(
      'missing   the Kubernetes Service reviews.shop.svc.cluster.local',
    );
    const json = explain('asm-http', ...args, '--format', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'undetermined',
      missing: 'the Kubernetes Service reviews.shop.svc.cluster.local',
    });
    expect(explain('asm-http', ...args, '--expect', 'undetermined').code).toBe(0);
    expect(explain('asm-http', ...args, '--expect', 'blocked-unregistered').code).toBe(1);
  });

  it('--expect exits 1 when the verdict differs, 0 when it matches', () => {
    const args = ['--from', 'default/app=nginx', '--url', 'https://www.httpbin.org'];
    expect(explain('asm-https-444', ...args, '--expect', 'blocked-unregistered').code).toBe(0);
    expect(explain('asm-https-444', ...args, '--expect', 'allowed-via-gateway').code).toBe(1);
  });

  it('lists configuration errors on stderr, since invalid resources take no part', () => {
    const r = explain(
      'istio-004-https-gateway',
      '--from',
      'default',
      '--url',
      'https://edition.cnn.com',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /gateway\.yaml:56:7: error: unknown field spec\.tls\[0\]\.match\[0\]\.sni_hosts/,
    );
  });

  /** Runs explain in a temporary repository holding `files` (REGISTRY_ONLY). */
  function explainIn(files: Record<string, string>, ...args: string[]): ReturnType<typeof explain> {
    const dir = mkdtempSync(join(tmpdir(), 'explain-case-'));
    try {
      mkdirSync(join(dir, '.github'));
      writeFileSync(
        join(dir, '.github/egress-lint.yml'),
        'mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n',
      );
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const r = spawnSync(process.execPath, [BIN, 'explain', ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('creation order deciding: undetermined names the resources, exit 0 (and --expect undetermined passes)', () => {
    const sidecar = (name: string, mode: string): string =>
      `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: ${name}, namespace: app}\nspec:\n  outboundTrafficPolicy: {mode: ${mode}}\n`;
    const r = explainIn(
      {
        'sidecars.yaml': `${sidecar('strict', 'REGISTRY_ONLY')}---\n${sidecar('open', 'ALLOW_ANY')}`,
      },
      ...['--from', 'app', '--url', 'http://example.com/', '--expect', 'undetermined'],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verdict   undetermined\n');
    expect(r.stdout).toContain(
      'missing   which of Sidecar app/open and Sidecar app/strict Istio created first\n',
    );
    expect(r.stdout).toMatch(/oldest with Sidecar app\/strict: blocked-unregistered/);
  });

  const entry = (namespace: string, port: number): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: ${namespace}}
spec:
  hosts: [httpbin.org]
  resolution: DNS
  ports: [{number: ${port}, name: http, protocol: HTTP}]
`;

  it('two ServiceEntries for one host with different ports: creation order decides, undetermined naming both', () => {
    const r = explainIn(
      { 'entries.yaml': `${entry('team-a', 80)}---\n${entry('team-b', 8080)}` },
      ...['--from', 'app', '--url', 'http://httpbin.org/', '--expect', 'undetermined'],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'missing   which of ServiceEntry team-a/httpbin and ServiceEntry team-b/httpbin Istio created first\n',
    );
    // The client's own namespace comes first, whatever the age: definite.
    const own = explainIn(
      { 'entries.yaml': `${entry('team-a', 80)}---\n${entry('app', 8080)}` },
      ...['--from', 'app', '--url', 'http://httpbin.org/'],
    );
    expect(own.stdout).toContain('verdict   blocked-unregistered\n');
    expect(own.stdout).toContain('a sidecar prefers entries of its own namespace app');
  });

  it('sniHosts: the exact name takes the connection though a wildcard route comes first', () => {
    const r = explainIn(
      {
        'mesh.yaml': `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: routes, namespace: default}
spec:
  hosts: ["*.example.com"]
  tls:
  - match: [{port: 443, sniHosts: ["*.example.com"]}]
    route: [{destination: {host: unregistered.example.com, port: {number: 443}}}]
  - match: [{port: 443, sniHosts: [api.example.com]}]
    route: [{destination: {host: api.example.com, port: {number: 443}}}]
`,
      },
      ...['--from', 'default', '--url', 'https://api.example.com/'],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verdict   allowed-direct\n');
    expect(r.stdout).toContain('VirtualService default/routes tls[1] matches SNI api.example.com');
  });

  it.each([
    [
      ['--from', 'My Namespace', '--url', 'http://a.example.com'],
      /--from: "My Namespace" is not a namespace name/,
    ],
    [['--from', 'mytest', '--url', 'nope'], /--url: "nope" is not a URL/],
    [
      ['--from', 'mytest', '--url', 'http://a.example.com', '--expect', 'maybe'],
      /argument 'maybe' is invalid/,
    ],
    [['--url', 'http://a.example.com'], /required option '--from <source>' not specified/],
  ])('usage errors exit 2 with a message: %j', (args, message) => {
    const r = explain('asm-http', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
