/**
 * End to end, over HTTP on 127.0.0.1: the app's real server (`npm start`'s startServer, with Probot's
 * standard environment variables and GitHub's pacing of writes) receives a signed webhook, talks to
 * the API double through GHE_HOST/GHE_PROTOCOL, and leaves a check run and a comment there.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import egressLintApp from '../../src/app/index.js';
import { STICKY_COMMENT_MARKER } from '../../src/report/markdown.js';
import { startServer } from '../../src/app/main.js';
import { APP_ID, appKeys } from '../support/app-harness.js';
import { FakeGitHub, type FakeRepo } from '../support/fake-github.js';
import { pullRequestEvent, signature256 } from '../support/webhooks.js';

const SECRET = 'e2e-webhook-secret';
const SEED = new URL('../../fixtures/seeds/asm-http/', import.meta.url);
const seed = (f: string): string => readFileSync(new URL(f, SEED), 'utf8');

let github: FakeGitHub;
let repo: FakeRepo;
let server: Server;
let webhookUrl: string;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function deliver(event: string, payload: object, signature?: string): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signature ?? signature256(SECRET, body),
    },
    body,
  });
}

beforeAll(async () => {
  const { privateKey, publicKey } = appKeys();
  github = new FakeGitHub({ appId: APP_ID, publicKey });
  await github.start();
  repo = github.repo('mesh-team', 'egress-config');
  const port = await freePort();
  server = await startServer(
    {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      GHE_HOST: github.host,
      GHE_PROTOCOL: 'http',
      LOG_LEVEL: 'fatal', // the rejected signature is logged as an error; keep test output readable
      LOG_FORMAT: 'json',
    },
    // The production app, as `npm start` runs it: the real comment renderer and resource diff.
    egressLintApp,
  );
  webhookUrl = `http://127.0.0.1:${port}/api/github/webhooks`;
});

afterAll(async () => {
  await server?.stop();
  await github?.stop();
});

describe('the app over HTTP', () => {
  it('rejects a webhook with a bad signature and calls no API', async () => {
    const base = repo.commit({ 'mesh/policy.yaml': seed('egress-by-egressgateway.yaml') });
    const pull = repo.openPull(1, base, base);
    const response = await deliver(
      'pull_request',
      pullRequestEvent('opened', repo, pull),
      signature256('not-the-secret', '{}'),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/signature does not match/);
    expect(github.requests).toEqual([]);
  });

  it('checks a signed pull_request webhook: check run and comment arrive at the API', async () => {
    const files = {
      '.github/egress-lint.yml': seed('.github/egress-lint.yml'),
      'mesh/egress-gateway.yaml': seed('egress-gateway.yaml'),
      'mesh/egress-by-egressgateway.yaml': seed('egress-by-egressgateway.yaml'),
    };
    const base = repo.commit(files);
    const bad = {
      ...files,
      'mesh/egress-by-egressgateway.yaml': files['mesh/egress-by-egressgateway.yaml'].replace(
        'number: 80',
        'number: 99999',
      ),
    };
    const pull = repo.openPull(2, base, repo.commit(bad));

    const response = await deliver('pull_request', pullRequestEvent('opened', repo, pull));
    expect([200, 202]).toContain(response.status); // 202: GitHub's 10 s budget ran out first, work goes on

    const run = await until('the completed check run', () =>
      repo.checkRunsFor(pull.headSha).find((r) => r.status === 'completed'),
    );
    expect(run.name).toBe('egress-lint');
    expect(run.conclusion).toBe('failure');
    const line =
      bad['mesh/egress-by-egressgateway.yaml'].split('\n').findIndex((l) => l.includes('99999')) +
      1;
    expect(run.annotations).toEqual([
      expect.objectContaining({
        path: 'mesh/egress-by-egressgateway.yaml',
        start_line: line,
        annotation_level: 'failure',
      }),
    ]);
    const comment = await until('the comment', () => repo.commentsOn(2)[0]);
    expect(comment.body.startsWith(STICKY_COMMENT_MARKER)).toBe(true);
    expect(comment.body).toContain('egress-lint: blocked');
    // The broken policy no longer renders, so the comment lists its Istio resources as removed.
    expect(comment.body).toMatch(/\| removed \| <code>VirtualService<\/code> \|/);
    // ...and who loses access: the simulator's verdicts for base and head, with a flowchart.
    expect(comment.body).toContain('#### Access changes');
    expect(comment.body).toMatch(
      /<code>mytest\\\/app\\=sleep\\-a<\/code> \| <code>http\\:\\\/\\\/www\\\.httpbin\\\.org\\:80<\/code> \|/,
    );
    expect(comment.body).toContain('```mermaid\nflowchart LR');
    expect(comment.user).toEqual({ login: 'egress-lint[bot]', type: 'Bot' });
    // Authenticated as the app (JWT checked against its public key), then as the installation.
    expect(github.requests[0]!.operationId).toBe('apps/create-installation-access-token');
    expect(github.violations).toEqual([]);
  });
});
