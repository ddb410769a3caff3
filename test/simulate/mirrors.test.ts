/**
 * Mirror destinations in explain (issue 11): what the copies need, said as notes, never a verdict.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { parseProjectConfig } from '../../src/config/project-config.js';
import { AUDIT_SUBSETS_YAML, mirroringVirtualServiceYaml } from '../istio-fixtures.js';
import { simulatorFor } from './helpers.js';

const entry = (host: string): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host.split('.')[0]}, namespace: mytest}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
---
`;

const routeWithMirror = mirroringVirtualServiceYaml;

const auditRule = `${AUDIT_SUBSETS_YAML}---\n`;

function explain(yaml: string) {
  const analysis = analyzeSources(
    [{ path: 'mesh.yaml', content: yaml }],
    parseProjectConfig('mesh:\n  outboundTrafficPolicy: REGISTRY_ONLY\n'),
  );
  return simulatorFor(analysis)('mytest', 'http://httpbin.org/get');
}

describe('mirrors of the route that decides a request', () => {
  const base = entry('httpbin.org') + entry('audit.example.com') + auditRule;
  const without = explain(base + routeWithMirror(''));

  it('a mirror the proxy can send: a note, and the same verdict as without it', () => {
    const e = explain(
      base + routeWithMirror('    mirror: {host: audit.example.com, subset: v1}\n'),
    );
    expect(e.verdict).toBe(without.verdict);
    expect(e.notes).toContain(
      'VirtualService mytest/httpbin http[0] also mirrors a copy of the request to audit.example.com (subset v1), which does not change this outcome; the proxy knows that service, so the copies are sent',
    );
  });

  it("a mirror to an ExternalName alias: the copies go to the host it names, with that host's subsets (route.go)", () => {
    const alias = `apiVersion: v1
kind: Service
metadata: {name: audit, namespace: mytest}
spec:
  type: ExternalName
  externalName: audit.example.com
---
`;
    const e = explain(base + alias + routeWithMirror('    mirror: {host: audit, subset: v1}\n'));
    expect(e.verdict).toBe(without.verdict);
    expect(e.notes).toContain(
      'VirtualService mytest/httpbin http[0] also mirrors a copy of the request to audit.mytest.svc.cluster.local (subset v1), an ExternalName alias of audit.example.com, which does not change this outcome; the proxy knows that service, so the copies are sent',
    );
  });

  it('a mirror to a subset nobody defines: the copies are dropped, the request is not', () => {
    const e = explain(
      base +
        routeWithMirror('    mirrors:\n    - destination: {host: audit.example.com, subset: v2}\n'),
    );
    expect(e.verdict).toBe(without.verdict);
    expect(e.notes.join('\n')).toContain(
      'the copies are dropped: they need subset v2 in the DestinationRule for audit.example.com that mytest uses (none defines it)',
    );
  });

  it('a mirror to a host no service registers: the copies are dropped, the request is not', () => {
    const e = explain(base + routeWithMirror('    mirror: {host: shadow.example.com}\n'));
    expect(e.verdict).toBe(without.verdict);
    expect(e.notes.join('\n')).toContain(
      'the copies are dropped: they need a service for shadow.example.com visible in mytest (none is)',
    );
  });
});
