/**
 * Istio's own egress tasks (istio.io content/en/docs/tasks/traffic-management/egress/): every request
 * whose outcome a task states in its snips.sh or test.sh, against the task's YAML kept under
 * fixtures/istio-tasks/<task>/<step>/ (each with the task's REGISTRY_ONLY install). The snip named in
 * each test is the command whose output states the outcome.
 */
import { describe, expect, it } from 'vitest';
import { fixtureSimulator } from './helpers.js';

const task = (path: string) => fixtureSimulator(`../istio-tasks/${path}`);
const SLEEP = 'default/app=sleep';

describe('egress-gateway: Egress gateway for HTTPS traffic (TLS PASSTHROUGH)', () => {
  const explain = task('egress-gateway/https');

  it('snip egress_gateway_for_https_traffic_5: curl https://edition.cnn.com/politics -> 200 through the gateway', () => {
    const e = explain(SLEEP, 'https://edition.cnn.com/politics');
    expect(e.verdict).toBe('allowed-via-gateway');
    expect(e.hops[1]!.transport).toBe(
      "no TLS of the sidecar's own: the application's TLS (SNI edition.cnn.com)",
    );
    expect(e.upstream).toMatchObject({ host: 'edition.cnn.com', port: 443, tls: 'app' });
  });
});
