#!/usr/bin/env bash
# The HTML report test runs in a real headless browser: Debian's chromium. Install it when missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "chromium is missing and sudo is not available" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing Debian chromium for the browser test of report.html"
apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -y -q)
"${apt[@]}" install chromium >/dev/null 2>&1 || {
  "${apt[@]}" update >/dev/null
  "${apt[@]}" install chromium >/dev/null
}
command -v chromium >/dev/null
