#!/usr/bin/env bash
# Benchmark (not a test): the local runner's own overhead over a plain AutoGluon fit of
# the same data. Runs, alternately and RUNS times each (default 5):
#   plain  python scripts/autogluon/tabular_train.py with the SageMaker environment
#          (SM_CHANNEL_*, SM_MODEL_DIR, ...), i.e. the fit, the test-set scores and the
#          reports, and nothing else;
#   local  automl run --local of a train + evaluate input on the same data and the same
#          FitArgs: the interpreter, three machines' worth of states, the nested Train
#          execution, the channel copy, the model.tar.gz/output.tar.gz packing, the
#          in-process evaluation and the history files, around the same script.
# and prints the medians. The overhead is measured inside each local run, immune to the
# noise between runs: the run's wall time minus the training script's own wall time (the
# runner logs it at the end of train.log), relative to the latter. A bare
# `TabularPredictor.fit` of the same data is timed too, for scale.
# Usage: bash tests/bench/local_overhead.sh [RUNS]
# Needs target/tools/autogluon (bash tests/tools/install-autogluon.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${1:-5}
PY=$PWD/target/tools/autogluon/bin/python
if [[ ! -x $PY ]]; then
  echo "no AutoGluon environment: run bash tests/tools/install-autogluon.sh" >&2
  exit 1
fi
cargo build --release --no-default-features -q
BIN=$PWD/target/release/automl

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/objects/data/penguins"
cp examples/data/penguins/train.csv examples/data/penguins/test.csv "$WORK/objects/data/penguins/"
FIT_ARGS='{"presets": "medium_quality", "time_limit": 60}'
INIT_ARGS='{"label": "species"}'
cat >"$WORK/input.json" <<EOF
{"Parameters": {
  "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
  "Train": {
    "TrainDataPath": "s3://data/penguins/train.csv",
    "TestDataPath": "s3://data/penguins/test.csv",
    "TrainingOutput": "s3://data/output/",
    "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
    "FitArgs": $FIT_ARGS, "InitArgs": $INIT_ARGS},
  "Evaluation": {"Metric": "accuracy", "Threshold": 0.5}}}
EOF

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

plain() {
  local dir=$WORK/plain-$1
  mkdir -p "$dir/model" "$dir/output/data"
  local start end
  start=$(now)
  SM_CHANNEL_TRAIN=$WORK/objects/data/penguins/train.csv \
  SM_CHANNEL_TEST=$WORK/objects/data/penguins/test.csv \
  SM_MODEL_DIR=$dir/model SM_OUTPUT_DATA_DIR=$dir/output/data SM_OUTPUT_FAILURE= \
  SM_HPS="{\"init_args\": $INIT_ARGS, \"fit_args\": $FIT_ARGS}" \
    "$PY" scripts/autogluon/tabular_train.py >"$dir.log" 2>&1
  end=$(now)
  elapsed "$start" "$end"
}

local_run() {
  local start end
  start=$(now)
  "$BIN" run --local "$WORK/input.json" --name "bench-$1" --state-dir "$WORK/state" \
    --object-root "$WORK/objects" --python "$PY" >"$WORK/local-$1.log" 2>&1
  end=$(now)
  elapsed "$start" "$end"
}

bare() {
  local start end
  start=$(now)
  OMP_WAIT_POLICY=PASSIVE "$PY" - "$WORK/objects/data/penguins/train.csv" "$WORK/bare-$1" >/dev/null 2>&1 <<'PY'
import sys
import pandas as pd
from autogluon.tabular import TabularPredictor
TabularPredictor(label="species", path=sys.argv[2]).fit(pd.read_csv(sys.argv[1]), presets="medium_quality", time_limit=60)
PY
  end=$(now)
  elapsed "$start" "$end"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

script_seconds() {
  # The training script's own wall time, as the runner logged it.
  sed -n 's/^\[automl\] the process .* after \([0-9.]*\) s$/\1/p' \
    "$WORK/state/sagemaker/training-jobs/automl-bench-$1-train/train.log" | tail -1
}

plain_times=() local_times=() bare_times=() overheads=() shares=()
for i in $(seq 1 "$RUNS"); do
  plain_times+=("$(plain "$i")")
  local_times+=("$(local_run "$i")")
  bare_times+=("$(bare "$i")")
  S=$(script_seconds "$i")
  overheads+=("$(echo "${local_times[-1]} - $S" | bc -l)")
  shares+=("$(echo "(${local_times[-1]} - $S) * 100 / $S" | bc -l)")
  printf 'run %d: plain %.2f s | local %.2f s, of which the script %.2f s: overhead %.2f s (%.1f%%) | bare fit %.2f s\n' \
    "$i" "${plain_times[-1]}" "${local_times[-1]}" "$S" "${overheads[-1]}" "${shares[-1]}" "${bare_times[-1]}"
done
P=$(printf '%s\n' "${plain_times[@]}" | median)
L=$(printf '%s\n' "${local_times[@]}" | median)
B=$(printf '%s\n' "${bare_times[@]}" | median)
O=$(printf '%s\n' "${overheads[@]}" | median)
R=$(printf '%s\n' "${shares[@]}" | median)
printf '\nmedians of %d runs (penguins, FitArgs %s)\n' "$RUNS" "$FIT_ARGS"
printf '  bare TabularPredictor.fit:                        %6.2f s\n' "$B"
printf '  plain tabular_train.py (fit + reports):           %6.2f s\n' "$P"
printf '  automl run --local (train + evaluate), wall:      %6.2f s\n' "$L"
printf '  runner overhead (wall - the script inside it):    %6.2f s = %.1f%% (target: under 10%%)\n' "$O" "$R"
printf '  (wall-clock difference local - plain: %.2f s; noisy on a shared machine)\n' "$(echo "$L - $P" | bc -l)"
