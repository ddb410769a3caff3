/**
 * The app in-process, as Probot runs it: a Probot instance with a throwaway RSA key, our Octokit class
 * (short waits, so retries and rate limits take milliseconds), and nock routing every api.github.com
 * request to the API double. `receive` delivers a webhook like `probot.receive()` does.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { Probot } from 'probot';
import { createEgressLintApp } from '../../src/app/index.js';
import {
  ALREADY_HANDLED,
  ATTEMPT_FAILED,
  EVENT_HANDLED,
  type AppOptions,
} from '../../src/app/handlers.js';
import { appOctokit } from '../../src/app/octokit.js';
import { FakeGitHub } from './fake-github.js';

export const APP_ID = 4242;

let keys: { privateKey: string; publicKey: string } | undefined;

/** A throwaway app key, PKCS#1 like the ones GitHub hands out (generated once per test file). */
export function appKeys(): { privateKey: string; publicKey: string } {
  keys ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return keys;
}

export interface Harness {
  probot: Probot;
  github: FakeGitHub;
  /** Log records the app wrote (JSON objects). */
  logs: Record<string, unknown>[];
  receive(name: string, payload: object, id?: string): Promise<string>;
  /** Log records of our per-attempt summary line (handled, failed, or handled before). */
  eventLogs(): Record<string, unknown>[];
}

const SUMMARY_LINES = new Set([EVENT_HANDLED, ATTEMPT_FAILED, ALREADY_HANDLED]);

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;

export async function createHarness<D>(options: AppOptions<D>): Promise<Harness> {
  const { privateKey, publicKey } = appKeys();
  const github = new FakeGitHub({ appId: APP_ID, publicKey });
  nock.disableNetConnect();
  const scope = nock('https://api.github.com').persist();
  for (const method of METHODS) {
    scope.intercept(/.*/, method).reply(function (uri, body, respond) {
      const headers = Object.fromEntries(
        Object.entries(this.req.headers).map(([k, v]) => [
          k.toLowerCase(),
          Array.isArray(v) ? v.join(', ') : String(v),
        ]),
      );
      const parsed =
        typeof body === 'string' && body !== '' ? safeJson(body) : body === '' ? undefined : body;
      const out = github.handle({
        apiBase: 'https://api.github.com',
        method,
        url: uri,
        headers,
        body: parsed,
      });
      const reply = (): void =>
        respond(null, [
          out.status,
          out.body === undefined ? '' : JSON.stringify(out.body),
          { 'content-type': 'application/json; charset=utf-8', ...out.headers },
        ]);
      // A slow GitHub: answer late (a fault sets delayMs).
      if (out.delayMs) setTimeout(reply, out.delayMs).unref();
      else reply();
    });
  }

  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const probot = new Probot({
    appId: APP_ID,
    privateKey,
    log: pino({ level: 'info' }, sink),
    Octokit: appOctokit({ waitUnitMs: 1, pacedWrites: false }),
  });
  await probot.load(createEgressLintApp(options));

  return {
    probot,
    github,
    logs,
    async receive(name, payload, id = randomUUID()) {
      await probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
      return id;
    },
    eventLogs: () => logs.filter((l) => SUMMARY_LINES.has(String(l.msg))),
  };
}

export function resetNock(): void {
  nock.cleanAll();
  nock.enableNetConnect();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
