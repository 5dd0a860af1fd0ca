#!/usr/bin/env bash
# Installs Chromium from Debian's packages: the report test (tests/integration, `report`)
# opens the HTML report in a real headless browser, screenshots it and dumps its DOM.
# Idempotent: nothing happens when a chromium binary is already on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null || echo present) ($(command -v chromium))"
  exit 0
fi

fail() {
  echo "error: cannot install Chromium: $*" >&2
  echo "  The report test needs a headless browser. Install Debian's package by hand:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y chromium" >&2
  echo "  (or put any Chromium build on PATH under the name 'chromium')." >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian-like system)"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  fail "not root and no sudo"
fi
"${sudo[@]}" apt-get update -qq || fail "apt-get update failed"
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  chromium fonts-dejavu-core >/dev/null || fail "apt-get install chromium failed"
command -v chromium >/dev/null 2>&1 || fail "the chromium package installed no 'chromium' command"
echo "chromium: $(chromium --version)"
