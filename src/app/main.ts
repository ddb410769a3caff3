#!/usr/bin/env node
/**
 * `npm start`: Probot's server with Probot's standard environment (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, GHE_HOST/GHE_PROTOCOL, REDIS_URL, LOG_LEVEL...), and
 * our Octokit class (see octokit.ts). Without APP_ID it starts Probot's app-registration flow.
 *
 * Webhooks are taken by webhook-intake.ts (bounded bodies, signature first, no payload in logs), not
 * by Probot's own route: that one is given a path no request can have (a parsed URL path never
 * contains `#`), and ours serves WEBHOOK_PATH (default /api/github/webhooks).
 *
 * With REDIS_URL the events go through a durable queue (durable.ts); SIGTERM stops taking jobs and
 * lets the running ones finish.
 */
import { run, type ApplicationFunction, type Logger, type Probot, type Server } from 'probot';
import { fileURLToPath } from 'node:url';
import egressLintApp from './index.js';
import { appOctokit, type OctokitTuning } from './octokit.js';
import { DEFAULT_MAX_WEBHOOK_BYTES, webhookIntake } from './webhook-intake.js';

const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';
const PROBOT_ROUTE_OFF = '/#probot-webhook-route-off';

export function startServer(
  env: NodeJS.ProcessEnv = process.env,
  app: ApplicationFunction = egressLintApp,
  tuning: OctokitTuning = tuningFromEnv(env),
  log?: Logger,
): Promise<Server> {
  const path = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  // In place, not a copy: Probot loads .env into this same object (process.env) before reading it.
  env.WEBHOOK_PATH = PROBOT_ROUTE_OFF;
  const withIntake: ApplicationFunction = async (probot, options) => {
    options.addHandler(
      webhookIntake({
        // Read now, after .env was applied; Probot's own default when unset.
        secret: env.WEBHOOK_SECRET || 'development',
        path,
        maxBodyBytes: Number(env.WEBHOOK_MAX_BYTES) || DEFAULT_MAX_WEBHOOK_BYTES,
        log: probot.log,
        receive: (event) => probot.receive(event as Parameters<Probot['receive']>[0]),
      }),
    );
    await app(probot, options);
  };
  return run(withIntake, { env, Octokit: appOctokit(tuning), ...(log ? { log } : {}) });
}

/**
 * `EGRESS_LINT_PACE_WRITES=false` stops spacing content-creating requests: for GitHub Enterprise
 * Server with secondary rate limits off, and for tests. github.com needs the pacing.
 */
export function tuningFromEnv(env: NodeJS.ProcessEnv): OctokitTuning {
  const pace = env.EGRESS_LINT_PACE_WRITES?.trim().toLowerCase();
  if (pace === undefined || pace === '' || pace === 'true') return {};
  if (pace === 'false') return { pacedWrites: false };
  throw new Error(`EGRESS_LINT_PACE_WRITES must be true or false, not "${pace}"`);
}

async function main(): Promise<void> {
  const server = await startServer();
  const stop = async (): Promise<void> => {
    // Past the queue's grace period and a margin, exit whatever still holds on.
    setTimeout(() => process.exit(1), 30_000).unref();
    await egressLintApp.close();
    await server.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
