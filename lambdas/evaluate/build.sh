#!/usr/bin/env bash
# Builds the evaluation Lambda's deployable artifact, target/lambda/bootstrap/bootstrap.zip
# (one `bootstrap` for the provided.al2023 runtime, x86_64), with cargo-lambda and zig.
# The `.2.34` suffix makes zig link against glibc 2.34, the one al2023 ships, so the
# binary needs no newer symbol than that whatever glibc this machine has.
# cargo-lambda comes from tests/tools/install-cargo-lambda.sh (target/tools/cargo-lambda)
# or PATH. Extra arguments go to `cargo lambda build`.
set -euo pipefail
cd "$(dirname "$0")/../.."

TOOLS=target/tools/cargo-lambda/bin
if [[ -x "$TOOLS/cargo-lambda" ]]; then
  # Its venv also holds the `python -m ziglang` that cargo-lambda falls back to for zig.
  export PATH="$PWD/$TOOLS:$PATH"
elif ! command -v cargo-lambda >/dev/null; then
  echo "cargo-lambda is not installed: run \`bash tests/tools/install-cargo-lambda.sh\`" >&2
  exit 1
fi

# A release made for size, for this artifact only (the CLI's release profile stays as it
# is; the Lambda builds in its own target triple directory, so neither rebuilds the other):
# one codegen unit and fat LTO let the linker drop the SDK code the handler never reaches,
# opt-level "s" favours size, and panic=abort drops the unwinding tables (the handler
# returns its errors; a panic ends the process, which Lambda reports as a runtime exit).
# build.rs hashes this script, so changing these flags changes the asset's key.
export CARGO_PROFILE_RELEASE_LTO=fat
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_OPT_LEVEL=s
export CARGO_PROFILE_RELEASE_PANIC=abort
export CARGO_PROFILE_RELEASE_STRIP=symbols

cargo lambda build --release -p automl-evaluate --bin bootstrap \
  --target x86_64-unknown-linux-gnu.2.34 --output-format zip "$@"

ZIP=target/lambda/bootstrap/bootstrap.zip
[[ -f "$ZIP" ]] || { echo "cargo lambda build did not produce $ZIP" >&2; exit 1; }

# The binary is reproducible but cargo-lambda stamps the zip entry with the build time;
# re-pack it with a fixed time so the same code gives the same zip (and asset hash).
PYTHON=$(command -v python3.11 || command -v python3)
"$PYTHON" - "$ZIP" <<'PY'
import os, sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path) as z:
    names = z.namelist()
    if names != ["bootstrap"]:
        sys.exit(f"{path}: expected one entry `bootstrap`, found {names}")
    binary = z.read("bootstrap")
entry = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
entry.external_attr = 0o100755 << 16
entry.create_system = 3  # unix, so the mode above is honoured
with zipfile.ZipFile(path + ".tmp", "w") as z:
    z.writestr(entry, binary, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
os.replace(path + ".tmp", path)
PY
echo "evaluation Lambda: $PWD/$ZIP ($(stat -c %s "$ZIP") bytes)"
