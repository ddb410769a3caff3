#!/usr/bin/env bash
# The Action's install step (action.yml runs it in the action's own folder, the ref the workflow pins):
# check the runner's Node.js, then `npm ci`, which builds dist/ (the prepare script). A second use of
# the action in the same job finds dist/ built and skips it.
set -euo pipefail
node -e '
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 18)) {
  console.log(`::error title=egress-lint::needs Node.js 20.18 or later (the runner has ${process.version}); add actions/setup-node before this step`);
  process.exit(1);
}'
[ -f dist/src/action/main.js ] && exit 0
npm ci --no-audit --no-fund --loglevel=error
