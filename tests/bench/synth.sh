#!/usr/bin/env bash
# Benchmark (not a test): wall time and peak memory of `automl synth` on the full stack,
# release build, median of N runs. The sample's `cdk synth` took 17.6 s and 1.2 GB.
#   bash tests/bench/synth.sh [RUNS]          # the shipped binary (AWS SDK linked in)
#   FEATURES=offline bash tests/bench/synth.sh  # the --no-default-features build
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-21}
if [ "${FEATURES:-}" = offline ]; then
  cargo build --release --no-default-features --quiet
else
  cargo build --release --quiet
fi
bin=target/release/automl
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 - "$bin" "$out" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
binary, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
walls, peaks = [], []
for i in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "synth", "-o", os.path.join(out, str(i))], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    walls.append((time.perf_counter() - start) * 1000)
    peaks.append(usage.ru_maxrss / 1024)  # KiB -> MiB on Linux
    assert status == 0, f"synth failed with status {status}"
size = os.path.getsize(binary) / 1e6
print(f"binary: {binary} ({size:.1f} MB)")
print(f"synth wall, median of {runs}: {statistics.median(walls):.1f} ms (min {min(walls):.1f}, max {max(walls):.1f})")
print(f"synth peak memory, median: {statistics.median(peaks):.1f} MiB (max {max(peaks):.1f})")
print("target: < 20 ms and < 20 MB; the sample's cdk synth: 17,600 ms and 1,200 MB")
PY
