#!/bin/sh
# The container's entrypoint: no arguments starts the GitHub App (Probot's environment: APP_ID,
# PRIVATE_KEY, WEBHOOK_SECRET, PORT...); arguments run the CLI, e.g. `lint /work` or `rules`.
set -e
here=$(dirname "$0")
if [ "$#" -eq 0 ]; then
  exec node "$here/node_modules/egress-lint/dist/src/app/main.js"
fi
exec node "$here/node_modules/egress-lint/dist/src/cli/main.js" "$@"
