#!/usr/bin/env bash
# Installs what tests/fixtures/aws-recorded/convert.py needs to read LocalStack's state
# machine templates (JSON5): PyPI `json5`, in its own venv at target/tools/json5.
# Only the fixture converter uses it; the tests read the converted JSON fixtures.
# Idempotent: returns at once when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

SPEC='json5==0.12.1'
VENV=target/tools/json5
source tests/tools/venv.sh

if venv_is_current "$VENV" "$SPEC"; then
  echo "json5: $SPEC already in $VENV"
  exit 0
fi
venv_create "$VENV" "$SPEC"
"$VENV/bin/python" -c 'import json5; json5.loads("{a: 1,}")'
venv_stamp "$VENV" "$SPEC"
echo "json5: installed $SPEC into $VENV"
