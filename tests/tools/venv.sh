# Sourced by the install-*.sh scripts: one way to keep a pinned tool in its own venv under
# target/tools/, recreated only when what it pins (the key) changes.

PYTHON=$(command -v python3.11 || command -v python3 || true)

# venv_is_current DIR KEY: the venv at DIR exists and was installed for KEY.
venv_is_current() {
  [[ -x "$1/bin/python" && -f "$1/.installed" && "$(cat "$1/.installed")" == "$2" ]]
}

# venv_create DIR PIP_ARGS...: a fresh venv at DIR with PIP_ARGS installed.
venv_create() {
  local dir=$1
  shift
  [[ -n "$PYTHON" ]] || { echo "python3 is required: apt-get install python3 python3-venv" >&2; exit 1; }
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  "$PYTHON" -m venv "$dir"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$dir/bin/python" -m pip install --quiet "$@"
}

# venv_stamp DIR KEY: record that DIR is installed for KEY (after its checks passed).
venv_stamp() {
  echo "$2" >"$1/.installed"
}
