#!/usr/bin/env bash
# Installs the pinned botocore whose service models (botocore/data/<service>/<version>/
# service-2.json.gz) are the oracle for every request the state machines send to AWS:
# a venv at target/tools/awsmodel. scripts/aws-models/extract.py writes src/awsmodel/*.json
# from it and scripts/aws-models/cases.py writes tests/fixtures/service-model-cases.json;
# tests/python/test_service_models.py checks both are what this botocore produces.
# botocore's own ParamValidator is the oracle the cases record.
# Bumping BOTOCORE: run this script, then
#   target/tools/awsmodel/bin/python scripts/aws-models/extract.py
#   target/tools/awsmodel/bin/python scripts/aws-models/cases.py
# and review the diff (new instance types, new members, changed constraints).
# Idempotent: a stamp holding this script's hash skips the work when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

BOTOCORE=1.44.8
# The differential cases also check what botocore leaves to the service (max, enum,
# pattern); the models' patterns use \p{L}-style classes that only PyPI regex reads.
REGEX=2026.11.19

stamp_value=$(sha256sum "$0" | cut -d' ' -f1)
venv=target/tools/awsmodel

source tests/tools/venv.sh
if ! venv_is_current "$venv" "$stamp_value"; then
  venv_create "$venv" "botocore==$BOTOCORE" "regex==$REGEX"
  "$venv/bin/python" -c "import botocore, sys; sys.exit(botocore.__version__ != '$BOTOCORE')" \
    || { echo "botocore in $venv is not $BOTOCORE" >&2; exit 1; }
  venv_stamp "$venv" "$stamp_value"
fi
echo "botocore: $("$venv/bin/python" -c 'import botocore; print(botocore.__version__)') ($venv)"
