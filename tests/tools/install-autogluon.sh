#!/usr/bin/env bash
# Installs the Python environment the AutoGluon scripts run in locally and are tested in:
# a venv at target/tools/autogluon with scripts/autogluon/requirements.txt (AutoGluon
# tabular + LightGBM, no torch) and scripts/autogluon/requirements-local.txt (Ray, for
# multi-host runs), plus what the tests need: pytest, palmerpenguins (data)
# and sagemaker-inference (the serving toolkit of the inference container).
# The local runner uses target/tools/autogluon/bin/python; tests/run-all.sh runs
#   target/tools/autogluon/bin/python -m pytest tests/python -q
# Idempotent: returns at once when the stamp (a hash of requirements.txt and of this
# script) matches. Needs python3.11 (or a python3 that AutoGluon supports, 3.9-3.12) and
# PyPI; nothing else.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=target/tools/autogluon
REQS=scripts/autogluon/requirements.txt
LOCAL_REQS=scripts/autogluon/requirements-local.txt
# Test-only dependencies, pinned.
# sagemaker-inference: the inference toolkit of the AutoGluon inference container, to run
# tabular_serve.py through its real Transformer (model_fn/transform_fn contract, 4xx errors).
# psutil: tests/python/test_distributed.py checks that no process of a failed cluster is
# left behind (Ray depends on it too; pinned here so the tests do not rely on that).
TEST_DEPS=(pytest==8.4.2 palmerpenguins==0.1.6 sagemaker-inference==1.10.1 psutil==7.0.0 hypothesis==6.170.15)

source tests/tools/venv.sh

want=$(cat "$REQS" "$LOCAL_REQS" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
if venv_is_current "$VENV" "$want"; then
  echo "autogluon: already installed in $VENV"
  exit 0
fi
start=$SECONDS
venv_create "$VENV" -r "$REQS" -r "$LOCAL_REQS" "${TEST_DEPS[@]}"
# Fail here, not in the middle of the test suite, when the install is unusable.
"$VENV/bin/python" -c 'import autogluon.tabular, lightgbm, pytest, hypothesis, palmerpenguins, psutil, ray, ray.util.state, sagemaker_inference.transformer, sklearn.datasets; from autogluon.common.utils.try_import import try_import_ray; try_import_ray(); print("autogluon.tabular", autogluon.tabular.__version__, "ray", ray.__version__)'
venv_stamp "$VENV" "$want"
echo "autogluon: installed into $VENV in $((SECONDS - start)) s"
