#!/usr/bin/env bash
# The interop tests run the schemas through JSON Schema tools written elsewhere (ajv, Sourcemeta's
# jsonschema, json-schema-to-typescript, tsc), pinned in tests/interop/package-lock.json.
# Installs Debian nodejs/npm when node is missing, then `npm ci` when node_modules is stale.
set -euo pipefail
cd "$(dirname "$0")/../tests/interop"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "node is missing and sudo is not available" >&2; exit 1; }
    sudo="sudo"
    [ -t 0 ] || sudo="sudo -n"  # never wait for a password nobody can type (the test suite)
  fi
  echo "installing Debian nodejs and npm for the interop tests"
  apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -y -q)
  "${apt[@]}" install nodejs npm >/dev/null 2>&1 || {
    "${apt[@]}" update >/dev/null
    "${apt[@]}" install nodejs npm >/dev/null
  }
fi
# npm ci writes node_modules/.package-lock.json; an older one than the lock file means stale
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "installing the interop tools (npm ci in tests/interop)"
  npm ci --no-audit --no-fund --loglevel=error
fi
