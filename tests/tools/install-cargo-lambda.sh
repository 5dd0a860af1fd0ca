#!/usr/bin/env bash
# Installs cargo-lambda (PyPI `cargo-lambda`, which depends on `ziglang` and so brings the
# zig linker that targets an older glibc) into its own venv at target/tools/cargo-lambda.
# lambdas/evaluate/build.sh and the Lambda's zip test find it there.
# Idempotent: returns at once when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."

SPEC='cargo-lambda==1.9.2'
VENV=target/tools/cargo-lambda
source tests/tools/venv.sh

if venv_is_current "$VENV" "$SPEC"; then
  echo "cargo-lambda: $SPEC already in $VENV"
  exit 0
fi
venv_create "$VENV" "$SPEC"
# cargo-lambda runs zig through `python -m ziglang` when no `zig` is on PATH; check both
# the subcommand and the bundled zig answer before declaring success.
"$VENV/bin/cargo-lambda" lambda --version
"$VENV/bin/python" -m ziglang version
venv_stamp "$VENV" "$SPEC"
echo "cargo-lambda: installed $SPEC into $VENV"
