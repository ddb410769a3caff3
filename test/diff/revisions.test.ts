/**
 * Realistic changes to the seed scenarios (fixtures/revisions/<scenario>/{base,head}) and exactly the
 * resource changes each must produce.
 */
import { describe, expect, it } from 'vitest';
import type { ResourceChange } from '../../src/diff/diff.js';
import { changeName, editedLines, fixtureReport } from '../helpers/revisions.js';

const POLICY = 'ASMEgressTrafficPolicy istio-egress/egress-by-egressgateway';
const RENDERED = 'istio-system/egress-by-egressgateway';

async function changesOf(scenario: string): Promise<ResourceChange[]> {
  return (await fixtureReport(scenario)).diff.changes;
}

function find(changes: readonly ResourceChange[], name: string): ResourceChange {
  const c = changes.find((x) => changeName(x) === name);
  if (!c) throw new Error(`no change "${name}" in ${changes.map(changeName).join('; ')}`);
  return c;
}

describe('diff of realistic revisions', () => {
  it('a host added to a destination: the policy, its ServiceEntry, Gateway server and VirtualService', async () => {
    const changes = await changesOf('host-added');
    expect(changes.map(changeName)).toEqual([
      `changed ${POLICY}`,
      `changed ServiceEntry ${RENDERED}-httpbin-service-http`,
      `changed Gateway ${RENDERED}`,
      `changed VirtualService ${RENDERED}-httpbin-service-http`,
    ]);
    for (const c of changes.slice(1)) {
      expect(editedLines(c.patch).map((l) => l.replace(/^\+\s*/, '+'))).toEqual(['+- httpbin.org']);
      expect(c.origin).toBe('rendered');
      expect(c.policy).toEqual({ namespace: 'istio-egress', name: 'egress-by-egressgateway' });
    }
    // The DestinationRule for the gateway keeps `sni: www.httpbin.org` (the first host): unchanged.
    expect((await fixtureReport('host-added')).diff.summary).toEqual({
      added: 0,
      removed: 0,
      changed: 4,
      unchanged: 2,
    });
    // Located at the policy line the user edited (the added host), in the head.
    expect(find(changes, `changed ${POLICY}`).location).toEqual({
      file: 'egress-by-egressgateway.yaml',
      line: 19,
      column: 9,
    });
    expect(
      find(changes, `changed ServiceEntry ${RENDERED}-httpbin-service-http`).location?.line,
    ).toBe(17); // hosts:
  });

  it('a gateway port changed: Gateway server, the subset port and both VirtualService legs; not the ServiceEntry', async () => {
    const changes = await changesOf('port-changed');
    expect(changes.map(changeName)).toEqual([
      `changed ${POLICY}`,
      `changed Gateway ${RENDERED}`,
      `changed DestinationRule ${RENDERED}-gateway`,
      `changed VirtualService ${RENDERED}-httpbin-service-https`,
    ]);
    expect(editedLines(find(changes, `changed Gateway ${RENDERED}`).patch)).toEqual([
      '-      name: tls-444',
      '-      number: 444',
      '+      name: tls-443',
      '+      number: 443',
    ]);
    expect(editedLines(find(changes, `changed DestinationRule ${RENDERED}-gateway`).patch)).toEqual(
      [
        '-          number: 444',
        '+          number: 443',
        '-          number: 444',
        '+          number: 443',
      ],
    );
    // Sidecar leg to the gateway (destination port) and gateway leg (match port) both move.
    expect(
      editedLines(find(changes, `changed VirtualService ${RENDERED}-httpbin-service-https`).patch),
    ).toEqual([
      '-      port: 444',
      '+      port: 443',
      '-          number: 444',
      '+          number: 443',
      '-          number: 444',
      '+          number: 443',
    ]);
    expect(find(changes, `changed Gateway ${RENDERED}`).location).toEqual({
      file: 'egress-by-egressgateway.yaml',
      line: 25,
      column: 9,
    });
  });

  it('httpsUpgrade turned on: a TLS-origination DestinationRule appears, the ServiceEntry gains port 443', async () => {
    const changes = await changesOf('https-upgrade-on');
    expect(changes.map(changeName)).toEqual([
      `changed ${POLICY}`,
      `changed ServiceEntry ${RENDERED}-httpbin-service-http`,
      `changed DestinationRule ${RENDERED}-gateway`,
      `added DestinationRule ${RENDERED}-httpbin-service-http-tls-origination`,
      `changed VirtualService ${RENDERED}-httpbin-service-http`,
    ]);
    expect(
      editedLines(find(changes, `changed ServiceEntry ${RENDERED}-httpbin-service-http`).patch),
    ).toEqual(['+  - name: https-443', '+    number: 443', '+    protocol: HTTPS']);
    const origination = find(
      changes,
      `added DestinationRule ${RENDERED}-httpbin-service-http-tls-origination`,
    );
    expect(
      origination.patch.startsWith('@@ -0,0 +1,22 @@\n+apiVersion: networking.istio.io/v1\n'),
    ).toBe(true);
    expect(editedLines(origination.patch)).toContain('+        mode: SIMPLE');
    expect(origination.location).toEqual({
      file: 'egress-by-egressgateway.yaml',
      line: 26,
      column: 7,
    });
    // The gateway now goes to 443: the last route's upstream port.
    const vs = editedLines(
      find(changes, `changed VirtualService ${RENDERED}-httpbin-service-http`).patch,
    );
    expect(vs[0]).toBe('+          number: 443');
    expect(vs).toContain('+        subset: egress-by-egressgateway-egress-lint-refused');
  });

  it('a rule removed: its ServiceEntry and VirtualService go, the shared Gateway and DestinationRule shrink', async () => {
    const report = await fixtureReport('rule-removed');
    expect(report.diff.changes.map(changeName)).toEqual([
      `changed ${POLICY}`,
      `removed ServiceEntry ${RENDERED}-aliyun-service-tcp`,
      `changed Gateway ${RENDERED}`,
      `changed DestinationRule ${RENDERED}-gateway`,
      `removed VirtualService ${RENDERED}-aliyun-service-tcp`,
    ]);
    const removed = find(
      report.diff.changes,
      `removed VirtualService ${RENDERED}-aliyun-service-tcp`,
    );
    expect(removed.location).toBeUndefined();
    expect(removed.baseLocation).toEqual({
      file: 'egress-by-egressgateway.yaml',
      line: 31,
      column: 7,
    });
    expect(removed.additions).toBe(0);
    expect(removed.deletions).toBe(editedLines(removed.patch).length);
    const gateway = editedLines(find(report.diff.changes, `changed Gateway ${RENDERED}`).patch);
    expect(gateway.every((l) => l.startsWith('-'))).toBe(true);
    expect(gateway).toContain('-      number: 10001');
    expect(report.diff.summary).toEqual({ added: 0, removed: 2, changed: 3, unchanged: 3 });
  });

  it("seed 003's VirtualService sending the gateway leg to 443 instead of 80, with the new mTLS DestinationRule", async () => {
    const changes = await changesOf('istio-003-upstream-port');
    expect(changes.map(changeName)).toEqual([
      'added DestinationRule default/originate-mtls-for-test-com',
      'changed VirtualService default/egressgateway-vs',
    ]);
    const vs = find(changes, 'changed VirtualService default/egressgateway-vs');
    expect(editedLines(vs.patch)).toEqual(['-          number: 80', '+          number: 443']);
    expect(vs.origin).toBe('hand-written');
    expect(vs.policy).toBeUndefined();
    // The line the user changed, although `route` is a set list (its canonical order is not the file's).
    expect(vs.location).toEqual({ file: 'virtualservice.yaml', line: 31, column: 11 });
  });

  it('re-formatting and re-ordering a policy (flow style, key order, 0x50, files merged) changes nothing', async () => {
    const report = await fixtureReport('reformatted-policy');
    expect(report.diff.changes).toEqual([]);
    expect(report.diff.summary.unchanged).toBe(6);
  });

  it('re-ordering set-like Istio lists and keys, merging files, changes nothing', async () => {
    const report = await fixtureReport('reformatted-istio');
    expect(report.diff.changes).toEqual([]);
    expect(report.diff.summary.unchanged).toBe(5);
  });

  it('an apiVersion bump is a change of the same object, and writing out the default namespace is none', async () => {
    const changes = await changesOf('apiversion-bump');
    expect(changes.map(changeName)).toEqual([
      'changed ServiceEntry default/cnn',
      'changed Gateway default/istio-egressgateway',
      'changed DestinationRule default/egressgateway-for-cnn',
      'changed VirtualService default/direct-cnn-through-egress-gateway',
    ]);
    for (const c of changes) {
      expect(c.previousApiVersion).toBe('networking.istio.io/v1alpha3');
      expect(c.apiVersion).toBe('networking.istio.io/v1');
      expect(editedLines(c.patch)).toEqual([
        '-apiVersion: networking.istio.io/v1alpha3',
        '+apiVersion: networking.istio.io/v1',
      ]);
    }
  });
});
