#!/usr/bin/env bash
# Packaging smoke test, on the Node.js whose bin/ folder is $1 (.ci/run runs it on Node 20 and 24):
# the image build script (scripts/build-image.sh: npm ci, build, npm pack, install the tarball with
# --omit=dev) in a clean copy of the repository, then the installed result as a user and the
# container would run it: `--version`, `lint` on a seed (exit 1, the expected finding), and the App
# answering /ping. One line per step, `PASS <step>` or `FAIL <step>`, on stdout; details on stderr.
set -uo pipefail
node_bin=$(cd "${1:?usage: smoke.sh <node-bin-dir>}" && pwd)
export PATH="$node_bin:$PATH"
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/egress-lint-smoke.XXXXXX")
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
major=$(node -p 'process.versions.node.split(".")[0]')
step() { # step <name> <command...>: runs it, prints PASS/FAIL
  local name="node $major: $1"
  shift
  if "$@" >&2; then echo "PASS $name"; else echo "FAIL $name"; fi
}

# A clean folder: the repository's files (tracked or new, not ignored), nothing built or installed.
copy() {
  mkdir -p "$work/src" &&
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
      tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$work/src"
}
step "clean copy of the repository" copy
step "image build script (npm ci, build, pack, install --omit=dev)" \
  bash "$work/src/scripts/build-image.sh" "$work/src" "$work/app"
app="$work/app/entrypoint.sh"

check_version() {
  local want got
  want=$(node -p "require('$repo/package.json').version")
  got=$("$app" --version) && [ "$got" = "$want" ] || { echo "version: got '$got', want '$want'" >&2; return 1; }
  # Nothing but the runtime: no dev tools, tests or bench code in what was installed.
  local pkg="$work/app/node_modules/egress-lint"
  for absent in "$work/app/node_modules/typescript" "$work/app/node_modules/vitest" "$pkg/dist/bench" \
    "$pkg/dist/test" "$pkg/src" "$pkg/test" "$pkg/bench"; do
    [ ! -e "$absent" ] || { echo "should not be installed: $absent" >&2; return 1; }
  done
  [ -f "$pkg/LICENSE" ] || { echo "no LICENSE in the package" >&2; return 1; }
}
step "installed CLI: --version, no dev or test code" check_version

lint_seed() {
  local out code
  out=$(cd "$repo/fixtures/seeds/asm-http" && "$app" lint --format json)
  code=$?
  echo "$out" | node -e '
    const report = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const hit = report.findings.find((f) => f.ruleId === "gateway-not-found" &&
      f.file === "egress-by-egressgateway.yaml" && f.line === 9 && f.severity === "error");
    if (!hit) { console.error("expected gateway-not-found at egress-by-egressgateway.yaml:9, got", report.findings); process.exit(1); }
  ' && [ "$code" -eq 1 ] || { echo "lint exit code $code, want 1" >&2; return 1; }
}
step "CLI lint on the asm-http seed: exit 1, gateway-not-found at line 9" lint_seed

ping_app() {
  local port key
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  key=$(node -e 'console.log(require("crypto").generateKeyPairSync("rsa",{modulusLength:2048,privateKeyEncoding:{type:"pkcs1",format:"pem"},publicKeyEncoding:{type:"spki",format:"pem"}}).privateKey)')
  (cd "$work" && APP_ID=1 PRIVATE_KEY="$key" WEBHOOK_SECRET=smoke HOST=127.0.0.1 PORT="$port" \
    LOG_LEVEL=warn exec "$app") >&2 &
  app_pid=$!
  for _ in $(seq 1 60); do
    if [ "$(node -e "fetch('http://127.0.0.1:$port/ping').then(r=>r.text()).then(t=>console.log(t),()=>console.log(''))")" = PONG ]; then
      kill "$app_pid"; wait "$app_pid" 2>/dev/null; app_pid=
      return 0
    fi
    kill -0 "$app_pid" 2>/dev/null || { echo "the App exited" >&2; app_pid=; return 1; }
    sleep 0.5
  done
  echo "no PONG from /ping within 30 s" >&2
  return 1
}
step "App (no arguments) answers /ping" ping_app
