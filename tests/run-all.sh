#!/usr/bin/env bash
# The one command that runs every test on a fresh clone: installs each test tool
# (tests/tools/install-*.sh, idempotent, into target/tools/), builds what the tests
# inspect, then runs the Rust and Python suites.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says how long it took, so a CI log shows where the time goes.
last=$SECONDS
step() {
  if [[ -n "${current:-}" ]]; then printf '<== %s: %d s\n' "$current" $((SECONDS - last)); fi
  current="$*"
  last=$SECONDS
  printf '\n==> %s\n' "$*"
}
trap 'step done' EXIT

for installer in tests/tools/install-*.sh; do
  step "$installer"
  bash "$installer"
done

step "cargo build --workspace --all-targets"
cargo build --workspace --all-targets

# The zip the evaluation Lambda ships as; its test checks architecture and glibc need.
step "bash lambdas/evaluate/build.sh"
bash lambdas/evaluate/build.sh

step "cargo test --workspace"
cargo test --workspace

step "pytest tests/python"
target/tools/autogluon/bin/python -m pytest tests/python -q
