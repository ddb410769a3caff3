import { testRule } from '../test/rule-tester.js';
import { istioGatewayYaml } from '../test/istio-fixtures.js';
import rule from './authz-no-rules.js';

const gateway = istioGatewayYaml();

const authz = (namespace: string, spec: string): string => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: policy, namespace: ${namespace}}
spec:
${spec}`;

const nothing = authz('istio-system', '  {}\n').replace('spec:\n  {}', 'spec: {}');
/** An ALLOW policy with rules, `extra` spec lines before them, named `opener` in `namespace`. */
const opener = (extra: string, namespace = 'istio-system'): string =>
  authz(namespace, `${extra}  rules:\n  - to: [{operation: {methods: [GET]}}]\n`).replace(
    'name: policy',
    'name: opener',
  );
const dryRun = (yaml: string): string =>
  yaml.replace(
    'namespace: istio-system}',
    'namespace: istio-system, annotations: {istio.io/dry-run: "true"}}',
  );
const stillClosed = (name: string, openerYaml: string) => ({
  name: `allow-nothing on the gateway beside an ALLOW policy with rules that does not act on it: ${name}`,
  yaml: { 'gw.yaml': gateway, 'nothing.yaml': nothing, 'opener.yaml': openerYaml },
  findings: [
    { file: 'nothing.yaml', line: 4, column: 1, message: /^ALLOW without rules allows nothing/ },
  ],
});

/** A Gateway API egress gateway `egress` in `default`, an allow-nothing policy on its pods, and `openerSpec`. */
const gatewayApi = (openerSpec: string) => ({
  'gw.yaml': `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egress, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, hostname: httpbin.org, port: 80, protocol: HTTP}
`,
  'nothing.yaml': authz(
    'default',
    '  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: egress}}\n',
  ),
  'opener.yaml': opener(openerSpec, 'default'),
});

testRule(rule, {
  valid: [
    {
      // policyattachment.go ShouldAttachPolicy: on a Gateway API gateway's pods a targetRef naming
      // their Gateway attaches.
      name: 'allow-nothing on a Gateway API gateway beside an ALLOW policy with rules targeting it',
      yaml: gatewayApi(
        '  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: egress}]\n',
      ),
    },
    {
      name: 'ALLOW with rules',
      yaml: {
        'gw.yaml': gateway,
        'authz.yaml': authz(
          'istio-system',
          '  selector: {matchLabels: {istio: egressgateway}}\n  rules:\n  - from: [{source: {namespaces: [mytest]}}]\n',
        ),
      },
    },
    {
      name: 'allow-nothing for an application namespace, not a gateway',
      yaml: {
        'gw.yaml': gateway,
        'authz.yaml': authz('bookinfo', '  {}\n').replace('spec:\n  {}', 'spec: {}'),
      },
    },
    {
      // istio.io authz-http: allow-nothing first, then ALLOW policies with rules for what may pass.
      name: 'allow-nothing in the gateway namespace beside an ALLOW policy with rules for the gateway',
      yaml: {
        'gw.yaml': gateway,
        'nothing.yaml': authz('istio-system', '  {}\n').replace('spec:\n  {}', 'spec: {}'),
        'authz.yaml': authz(
          'istio-system',
          '  selector: {matchLabels: {istio: egressgateway}}\n  rules:\n  - to: [{operation: {methods: [GET]}}]\n',
        ).replace('name: policy', 'name: gateway-viewer'),
      },
    },
    {
      // Shadow rules only: the empty policy denies nothing.
      name: 'allow-nothing in dry-run',
      yaml: { 'gw.yaml': gateway, 'nothing.yaml': dryRun(nothing) },
    },
  ],
  invalid: [
    // policyattachment.go ShouldAttachPolicy: targetRefs never attach to a gateway by its pods.
    stillClosed(
      'targetRefs',
      opener('  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: other}]\n'),
    ),
    stillClosed('dry-run', dryRun(opener(''))),
    {
      name: 'allow-nothing on a Gateway API gateway beside an ALLOW policy targeting another Gateway',
      yaml: gatewayApi(
        '  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: other}]\n',
      ),
      findings: [
        {
          file: 'nothing.yaml',
          line: 4,
          column: 1,
          message: /^ALLOW without rules allows nothing/,
        },
      ],
    },
    stillClosed('it selects other workloads', opener('  selector: {matchLabels: {app: foo}}\n')),
    stillClosed('it lives in another namespace', opener('', 'app')),
    {
      name: 'ALLOW without rules on the egress gateway blocks all egress',
      yaml: {
        'authz.yaml': authz(
          'istio-system',
          '  action: ALLOW\n  selector: {matchLabels: {istio: egressgateway}}\n',
        ),
        'gw.yaml': gateway,
      },
      findings: [
        {
          line: 5,
          column: 3,
          message:
            'ALLOW without rules allows nothing, and no ALLOW policy with rules applies to egress gateway egressgateway, so every request through it is denied (403 / connection closed); add rules for the traffic to let out, or suppress this finding if blocking everything is the intent',
        },
      ],
    },
    {
      name: 'DENY without rules does nothing',
      yaml: authz('mytest', '  action: DENY\n'),
      findings: [
        {
          line: 5,
          column: 3,
          message:
            'DENY without rules matches nothing, so this policy has no effect; add the rules it should deny',
        },
      ],
    },
  ],
});
