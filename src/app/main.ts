#!/usr/bin/env node
/**
 * `npm start`: Probot's server with Probot's standard environment (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, GHE_HOST/GHE_PROTOCOL, REDIS_URL, LOG_LEVEL...), and
 * our Octokit class (see octokit.ts). Without APP_ID it starts Probot's app-registration flow.
 */
import { run, type ApplicationFunction, type Server } from 'probot';
import { fileURLToPath } from 'node:url';
import egressLintApp from './index.js';
import { appOctokit, type OctokitTuning } from './octokit.js';

export function startServer(
  env: NodeJS.ProcessEnv = process.env,
  app: ApplicationFunction = egressLintApp,
  tuning?: OctokitTuning,
): Promise<Server> {
  return run(app, { env, Octokit: appOctokit(tuning) });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await startServer();
