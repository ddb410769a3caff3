import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import { istioIndexOf } from '../../src/analyze.js';
import { requestHost, type RequestHost } from '../../src/model/istio.js';
import type { Resource } from '../../src/model/resource.js';

const service = (name: string, namespace: string, exportTo = '*'): string => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${namespace}, annotations: {networking.istio.io/exportTo: "${exportTo}"}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80}]
`;
const entry = (host: string, namespace: string, port = 80): string => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: ${namespace}}
spec:
  hosts: [${host}]
  resolution: DNS
  ports: [{number: ${port}, name: p, protocol: HTTP}]
`;
const namespaceObject = (name: string): string => `---
apiVersion: v1
kind: Namespace
metadata: {name: ${name}}
`;

function read(yaml: string, host: string, http = true, port = 80): RequestHost {
  const analysis = analyzeSources([{ path: 'a.yaml', content: yaml }], DEFAULT_CONFIG);
  const hasPort = (r: Resource): boolean => JSON.stringify(r.body).includes(`"number":${port}`);
  const resources = analysis.configSet.resources;
  return requestHost(istioIndexOf(analysis), { host, namespace: 'app', http, hasPort, resources });
}
const hostOf = (r: RequestHost): string | undefined => ('host' in r ? r.host : undefined);

describe('requestHost (the pod resolver search path and the sidecar virtual hosts)', () => {
  it('a name without a dot is a Service of the client namespace; name.ns.svc a Service', () => {
    expect(hostOf(read('', 'httpbin'))).toBe('httpbin.app.svc.cluster.local');
    expect(hostOf(read('', 'squid.proxy.svc'))).toBe('squid.proxy.svc.cluster.local');
  });

  it('name.namespace is that Service when the repository shows it', () => {
    expect(hostOf(read(service('httpbin', 'foo'), 'httpbin.foo'))).toBe(
      'httpbin.foo.svc.cluster.local',
    );
  });

  it('name.namespace in a namespace the repository shows is a Service, shown or not', () => {
    expect(hostOf(read(service('other', 'proxy'), 'squid.proxy'))).toBe(
      'squid.proxy.svc.cluster.local',
    );
    expect(hostOf(read(namespaceObject('proxy'), 'squid.proxy'))).toBe(
      'squid.proxy.svc.cluster.local',
    );
    expect(hostOf(read('', 'db.app'))).toBe('db.app.svc.cluster.local');
  });

  it('two labels in a namespace the repository does not know stay as written', () => {
    for (const host of ['httpbin.org', 'example.com', 'www.httpbin.org', '10.0.0.5'])
      expect(hostOf(read(service('other', 'proxy'), host))).toBe(host);
  });

  it('HTTP: a ServiceEntry the client sees for name.namespace on the port keeps it as written', () => {
    const yaml = entry('api.partner', 'app') + service('api', 'partner', '.');
    const r = read(yaml, 'api.partner');
    expect(hostOf(r)).toBe('api.partner');
    expect('entry' in r && r.entry?.name).toBe('se');
    // On another port the ServiceEntry has no virtual host: the Service's alternate name stays.
    expect(hostOf(read(yaml, 'api.partner', true, 8080))).toBe('api.partner.svc.cluster.local');
    // A ServiceEntry the client does not see does not take it.
    const hidden = entry('api.partner', 'app').replace('spec:', 'spec:\n  exportTo: [other]');
    expect(hostOf(read(hidden + service('api', 'partner'), 'api.partner'))).toBe(
      'api.partner.svc.cluster.local',
    );
  });

  it('TLS/TCP: no Host header, so the Service the resolver finds first, or undetermined', () => {
    const seen = entry('api.partner', 'app') + service('api', 'partner');
    expect(hostOf(read(seen, 'api.partner', false))).toBe('api.partner.svc.cluster.local');
    const hidden = entry('api.partner', 'app') + service('api', 'partner', '.');
    expect(read(hidden, 'api.partner', false)).toMatchObject({
      undetermined: { missing: expect.stringContaining('api.partner.svc.cluster.local') },
    });
    // Nothing in the repository has the name: the ServiceEntry, even in a namespace it shows
    // (`go.dev` registered in a namespace `dev`), with a note naming the Service that would contend.
    const unshown = read(
      entry('api.partner', 'app') + namespaceObject('partner'),
      'api.partner',
      false,
    );
    expect(hostOf(unshown)).toBe('api.partner');
    expect(unshown).toMatchObject({ note: expect.stringContaining('no Service api.partner.svc') });
    const goDev = read(entry('go.dev', 'dev'), 'go.dev', false);
    expect(hostOf(goDev)).toBe('go.dev');
    expect(hostOf(read(entry('api.partner', 'app'), 'api.partner', false))).toBe('api.partner');
  });
});
