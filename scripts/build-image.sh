#!/usr/bin/env bash
# The container image's build steps (the Dockerfile runs exactly this; .ci/run runs it in a clean copy
# of the repository and then runs the result, since CI has no Docker engine):
#   scripts/build-image.sh <source-dir> <app-dir>
# builds egress-lint in <source-dir> (npm ci, tsc), packs it as npm would publish it, and installs that
# tarball with production dependencies only into <app-dir>, next to the entrypoint. What the image
# holds is what `npm install egress-lint` would give a user: no sources, tests, bench or dev tools.
set -euo pipefail
src=$(cd "${1:?usage: build-image.sh <source-dir> <app-dir>}" && pwd)
app=${2:?usage: build-image.sh <source-dir> <app-dir>}
mkdir -p "$app"
app=$(cd "$app" && pwd)
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

cd "$src"
npm ci # also builds (the prepare script)
# --ignore-scripts: npm pack would run `prepare` and compile everything a second time.
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$app")

cd "$app"
# A private package.json, so npm installs into this folder and nowhere else.
printf '{ "name": "egress-lint-image", "private": true }\n' > package.json
npm install --omit=dev --no-package-lock "./$tarball"
rm -f "$tarball" package.json
install -m 0755 "$src/scripts/container-entrypoint.sh" "$app/entrypoint.sh"
# Fail the build, not the first user, if the install cannot even start.
"$app/entrypoint.sh" --version
