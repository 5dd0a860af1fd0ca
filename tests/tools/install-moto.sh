#!/usr/bin/env bash
# Installs the local AWS emulator the integration tests run against: moto in server mode
# (PyPI `moto[server]`), in its own venv at target/tools/moto, so `moto_server` is at
# target/tools/moto/bin/moto_server where automl-testkit looks for it.
# Idempotent: returns at once when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Pinned: tests rely on behaviour measured on 5.2.x (shared/facts/emulator.md).
SPEC='moto[server]==5.2.5'
VENV=target/tools/moto
source tests/tools/venv.sh

if venv_is_current "$VENV" "$SPEC"; then
  echo "moto: $SPEC already in $VENV"
  exit 0
fi
venv_create "$VENV" "$SPEC"
"$VENV/bin/moto_server" --help >/dev/null
venv_stamp "$VENV" "$SPEC"
echo "moto: installed $SPEC into $VENV"
