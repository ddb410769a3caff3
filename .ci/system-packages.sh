#!/usr/bin/env bash
# Debian packages that tests start themselves (real Redis, pre-commit, Chromium). Installed only when
# missing, so a developer's machine that has them pays nothing. One package a line in
# .ci/system-packages.txt.
set -uo pipefail
cd "$(dirname "$0")"
missing=()
while read -r pkg bin; do
  [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
  command -v "${bin:-$pkg}" >/dev/null 2>&1 || missing+=("$pkg")
done < system-packages.txt
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
