#!/usr/bin/env bash
# The corporate-proxy lab in one command, on a fresh machine after clone:
#   a package index behind a TLS-intercepting proxy (all on loopback), pip failing with
#   CERTIFICATE_VERIFY_FAILED, pip-tls-setup doctor naming the interception, setup fixing it,
#   pip succeeding with verification on, and scan failing on --trusted-host.
#
#   bash examples/lab/run.sh              # narrate every step, then clean up
#   bash examples/lab/run.sh --keep       # keep the work directory (logs, venv, bundle)
#
# It needs python3 >= 3.9 with venv and the package registry (PyPI) once, for pip-tls-setup's
# dependencies, mitmproxy and pypiserver; all of it goes to .cache/lab in this checkout.
# It changes nothing outside .cache/ and a temporary work directory, and stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
CACHE=${CORPLAB_CACHE:-$REPO/.cache/lab}
export CORPLAB_CACHE=$CACHE
mkdir -p "$CACHE"

pick_python() {
  for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11 python3.10 python3.9; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

PY=$(pick_python) || { echo "run.sh: error: python3 >= 3.9 is needed; install it (e.g. apt-get install python3)" >&2; exit 2; }
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: installing python3-venv (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "run.sh: error: $PY has no venv/ensurepip; install python3-venv (apt-get install python3-venv)" >&2
    exit 2
  fi
fi

VENV=$CACHE/demo-venv
STAMP=$("$PY" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' pyproject.toml)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$STAMP" ]; then
  echo "run.sh: preparing $VENV with pip-tls-setup from this checkout (once)"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  # Your usual pip settings apply here: this is the one step that needs the package registry.
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --quiet -e "$REPO"
  echo "$STAMP" > "$VENV/.stamp"
fi

export PYTHONPATH="$REPO/examples/lab${PYTHONPATH:+:$PYTHONPATH}"
# mitmproxy and pypiserver in a venv of their own (.cache/lab/tools-venv), also once.
"$VENV/bin/python" -c 'from corplab.venvs import tools_venv; tools_venv()'
# From here on nothing leaves the machine: the lab runs with a clean environment of its own.
exec "$VENV/bin/python" -m corplab.demo "$@"
