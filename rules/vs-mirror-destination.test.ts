import {
  AUDIT_SUBSETS_YAML,
  mirroringVirtualServiceYaml,
  workloadYaml,
} from '../test/istio-fixtures.js';
import { testRule } from '../test/rule-tester.js';
import rule from './vs-mirror-destination.js';

const se = (host: string, name = host.split('.')[0]): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: mytest}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
`;
const dr = AUDIT_SUBSETS_YAML;
const vs = mirroringVirtualServiceYaml;

const files = (mirror: string): Record<string, string> => ({
  'vs.yaml': vs(mirror),
  'se.yaml': `${se('httpbin.org')}---\n${se('audit.example.com')}---\n${dr}`,
});

/** A mirror to a Kubernetes Service by its short name, as Bookinfo writes hosts. */
const shortName = {
  'vs.yaml': vs('    mirror: {host: audit-log}\n'),
  'se.yaml': se('httpbin.org'),
  'svc.yaml': `apiVersion: v1
kind: Service
metadata: {name: audit-log, namespace: mytest}
spec:
  selector: {app: audit-log}
  ports: [{name: http, port: 80}]
`,
};

/** An ExternalName Service mytest/audit naming `target` (an alias since Istio 1.21). */
const alias = (name: string, target: string): string => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: mytest}
spec:
  type: ExternalName
  externalName: ${target}
`;

testRule(rule, {
  valid: [
    { name: 'mirror to a registered host', yaml: files('    mirror: {host: audit.example.com}\n') },
    {
      name: 'mirrors[] with a defined subset',
      yaml: files('    mirrors:\n    - destination: {host: audit.example.com, subset: v1}\n'),
    },
    { name: 'no mirror', yaml: files('') },
    {
      name: 'a short mirror host is the Service of that name in the VirtualService namespace',
      yaml: shortName,
    },
    {
      // route.go: the mirror cluster is LookupDestinationCluster's, the host the alias names.
      name: "a mirror to an ExternalName alias, with the subset in the named host's DestinationRule",
      yaml: {
        ...files('    mirror: {host: audit, subset: v1}\n'),
        'svc.yaml': alias('audit', 'audit.example.com'),
      },
    },
  ],
  invalid: [
    {
      name: 'a mirror to an alias of an alias: no cluster, the copies are dropped',
      yaml: {
        ...files('    mirror: {host: audit}\n'),
        'svc.yaml': `${alias('audit', 'second.mytest.svc.cluster.local')}---\n${alias('second', 'audit.example.com')}`,
      },
      findings: [
        {
          line: 9,
          column: 14,
          message:
            'mirror host second.mytest.svc.cluster.local (which the ExternalName alias audit.mytest.svc.cluster.local names) is not registered for proxies in every namespace (an ExternalName alias too: a mirror follows one alias, and Istio builds no cluster for an alias), so the mirrored copies are dropped while the original requests go through; point the mirror at the host the chain of aliases ends at',
        },
      ],
    },
    {
      name: 'mirror to a host no ServiceEntry registers (istioctl virtualservice_destinationhosts)',
      yaml: {
        ...files('    mirror: {host: shadow.example.com}\n'),
        'sleep.yaml': workloadYaml('mytest'),
      },
      findings: [{ line: 9, column: 14, file: 'vs.yaml', severity: 'error' }],
    },
    {
      name: 'the same where the repository shows no client: a warning',
      yaml: files('    mirror: {host: shadow.example.com}\n'),
      findings: [
        {
          line: 9,
          column: 14,
          severity: 'warning',
          message:
            'mirror host shadow.example.com is not registered for proxies in every namespace (no visible ServiceEntry or in-cluster service), so the mirrored copies are dropped while the original requests go through; add a ServiceEntry for shadow.example.com exported to them',
        },
      ],
    },
    {
      name: 'mirrors[] to a subset no DestinationRule defines (istioctl virtualservice_destinationrules)',
      yaml: files('    mirrors:\n    - destination: {host: audit.example.com, subset: v2}\n'),
      findings: [
        {
          line: 10,
          column: 46,
          message:
            'mirror subset "v2" of audit.example.com is defined by no DestinationRule that proxies in every namespace use, so the mirrored copies are dropped while the original requests go through; define the subset in the DestinationRule for audit.example.com',
        },
      ],
    },
  ],
});
