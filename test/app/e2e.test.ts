/**
 * End to end, over HTTP on 127.0.0.1: the app's real server (`npm start`'s startServer, with Probot's
 * standard environment variables and GitHub's pacing of writes) receives a signed webhook, talks to
 * the API double through GHE_HOST/GHE_PROTOCOL, and leaves a check run and a comment there.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Server } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import egressLintApp from '../../src/app/index.js';
import { startServer } from '../../src/app/main.js';
import { DEFAULT_MAX_WEBHOOK_BYTES } from '../../src/app/webhook-intake.js';
import { APP_ID, appKeys } from '../support/app-harness.js';
import { FakeGitHub, type FakeRepo } from '../support/fake-github.js';
import { freePort, until } from '../support/net.js';
import { breakPolicyPort, expectBlockedPullRequest } from '../support/pull-request-results.js';
import { pullRequestEvent, signature256 } from '../support/webhooks.js';

const SECRET = 'e2e-webhook-secret';
const SEED = new URL('../../fixtures/seeds/asm-http/', import.meta.url);
const seed = (f: string): string => readFileSync(new URL(f, SEED), 'utf8');

let github: FakeGitHub;
let repo: FakeRepo;
let server: Server;
let webhookUrl: string;
/** Everything the app logged, as written (to measure it, and to look for payloads in it). */
let logText = '';
/** A run left in progress by a previous process (a restart during a check), an hour ago. */
let abandoned: { headSha: string; runId: number };

function deliver(
  event: string,
  payload: object,
  signature?: string,
  delivery = randomUUID(),
): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': signature ?? signature256(SECRET, body),
    },
    body,
  });
}

/**
 * A raw POST that writes `chunks` one after another (no Content-Length unless given), for bodies
 * the server should refuse before it has read them. Resolves with the status, or 'reset' when the
 * server closed the connection before answering.
 */
function rawPost(
  chunks: Buffer[],
  headers: Record<string, string>,
): Promise<{ status: number | 'reset'; body: string }> {
  return new Promise((resolve) => {
    const req = request(webhookUrl, { method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ status: 'reset', body: '' }));
    void (async () => {
      for (const c of chunks) {
        if (req.destroyed) return;
        if (!req.write(c)) await new Promise((r) => req.once('drain', r).once('close', r));
      }
      req.end();
    })();
  });
}

beforeAll(async () => {
  const { privateKey, publicKey } = appKeys();
  github = new FakeGitHub({ appId: APP_ID, publicKey });
  await github.start();
  repo = github.repo('mesh-team', 'egress-config');
  // The previous process died during a check: its run is still in progress on an open pull request.
  const head = repo.commit({ 'mesh/policy.yaml': seed('egress-by-egressgateway.yaml') });
  repo.openPull(99, head, head);
  repo.checkRuns.push({
    id: 77,
    name: 'egress-lint',
    headSha: head,
    status: 'in_progress',
    conclusion: null,
    externalId: 'delivery-before-restart',
    startedAt: new Date(Date.now() - 60 * 60_000).toISOString(),
    output: {},
    annotations: [],
    calls: [],
  });
  abandoned = { headSha: head, runId: 77 };
  const port = await freePort();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logText += chunk.toString('utf8');
      done();
    },
  });
  server = await startServer(
    {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      GHE_HOST: github.host,
      GHE_PROTOCOL: 'http',
      LOG_FORMAT: 'json',
    },
    // The production app, as `npm start` runs it: the real comment renderer and resource diff.
    egressLintApp,
    undefined,
    pino({ level: 'info' }, sink), // kept, not printed: the tests read it
  );
  webhookUrl = `http://127.0.0.1:${port}/api/github/webhooks`;
});

afterAll(async () => {
  await server?.stop();
  await github?.stop();
});

describe('the app over HTTP', () => {
  it('completes a check run a previous process left in progress, when it starts', async () => {
    const run = await until('the abandoned run completed', () =>
      repo.checkRunsFor(abandoned.headSha).find((r) => r.status === 'completed'),
    );
    expect(run.id).toBe(abandoned.runId);
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('the app stopped working on it');
  });

  it('rejects a webhook with a bad signature, calls no API, and logs no payload', async () => {
    const base = repo.commit({ 'mesh/policy.yaml': seed('egress-by-egressgateway.yaml') });
    const pull = repo.openPull(1, base, base);
    const payload = pullRequestEvent('opened', repo, pull);
    payload.pull_request.body = `needle-${'x'.repeat(1_000_000)}`; // 1 MB, under the limit
    const delivery = randomUUID();
    const logged = logText.length;
    const response = await deliver(
      'pull_request',
      payload,
      signature256('not-the-secret', '{}'),
      delivery,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/signature does not match/);
    expect(github.requestsFor(delivery)).toEqual([]);
    const log = logText.slice(logged);
    expect(log).toContain(delivery);
    expect(log).toMatch(/"bytes":10\d{5}/);
    expect(log).not.toContain('needle-');
    expect(log.length).toBeLessThan(2_000);
  });

  it('refuses a body over the limit by its declared length, before reading it', async () => {
    const logged = logText.length;
    const big = Buffer.alloc(DEFAULT_MAX_WEBHOOK_BYTES + 1, 'x');
    const result = await rawPost([big], {
      'content-type': 'application/json',
      'content-length': String(big.byteLength),
      'x-github-event': 'pull_request',
      'x-github-delivery': 'too-big-declared',
      'x-hub-signature-256': signature256(SECRET, big.toString()),
    });
    expect([413, 'reset']).toContain(result.status);
    const log = logText.slice(logged);
    expect(log).toContain('too-big-declared');
    expect(log).toContain('body over');
    expect(log.length).toBeLessThan(1_000);
  });

  it('refuses a chunked body as soon as it passes the limit', async () => {
    const logged = logText.length;
    const chunk = Buffer.alloc(256 * 1024, 'x');
    // 25 MB offered (GitHub's cap); the server stops long before.
    const result = await rawPost(
      Array.from({ length: 100 }, () => chunk),
      {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': 'too-big-chunked',
        'x-hub-signature-256': 'sha256=00',
      },
    );
    expect([413, 'reset']).toContain(result.status);
    expect(logText.slice(logged)).toContain('too-big-chunked');
  });

  it('checks a signed pull_request webhook: check run and comment arrive at the API', async () => {
    const files = {
      '.github/egress-lint.yml': seed('.github/egress-lint.yml'),
      'mesh/egress-gateway.yaml': seed('egress-gateway.yaml'),
      'mesh/egress-by-egressgateway.yaml': seed('egress-by-egressgateway.yaml'),
    };
    const base = repo.commit(files);
    const broken = breakPolicyPort(files['mesh/egress-by-egressgateway.yaml']);
    const bad = { ...files, 'mesh/egress-by-egressgateway.yaml': broken.text };
    const pull = repo.openPull(2, base, repo.commit(bad));

    const response = await deliver('pull_request', pullRequestEvent('opened', repo, pull));
    expect([200, 202]).toContain(response.status); // 202: GitHub's 10 s budget ran out first, work goes on

    await expectBlockedPullRequest(
      repo,
      pull,
      { path: 'mesh/egress-by-egressgateway.yaml', line: broken.line },
      'egress-lint[bot]',
    );
    // Authenticated as the app (JWT checked against its public key), then as the installation.
    expect(
      github.requests.some(
        (r) => r.operationId === 'apps/create-installation-access-token' && r.status === 201,
      ),
    ).toBe(true);
    expect(github.violations).toEqual([]);
  });
});
