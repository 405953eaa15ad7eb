#!/usr/bin/env bash
# Idempotent set-up for promptlight. Usage: scripts/install.sh [runtime|all]
#   runtime: the .venv with promptlight and its Python dependencies (what `./run.sh` needs)
#   all:     also the test tools: Debian's chromium, the front-end's npm packages (what `./test.sh` needs)
# A second run with unchanged inputs only checks a stamp file and returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-runtime}"
case "$what" in runtime|all) ;; *) echo "usage: $0 [runtime|all]" >&2; exit 2;; esac

PY="${PYTHON:-python3}"
stamp_of() { cat pyproject.toml scripts/install.sh "$@" 2>/dev/null | sha256sum | cut -c1-16; }

# 1. Debian packages (only for the test tools): chromium for the browser tests.
if [ "$what" = all ] && ! command -v chromium >/dev/null 2>&1; then
  echo "promptlight: installing Debian's chromium for the browser tests" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# 2. The virtual environment. torch is pinned to the CPU wheel pip finds on these machines.
if [ ! -x .venv/bin/python ]; then
  echo "promptlight: creating .venv" >&2
  "$PY" -m venv .venv
fi
extras=""; [ "$what" = all ] && extras="[test]"
want="$(stamp_of)-$what"
have="$(cat .venv/.promptlight-stamp 2>/dev/null || true)"
if [ "$have" != "$want" ] && ! { [ "$what" = runtime ] && [ "$have" = "$(stamp_of)-all" ]; }; then
  echo "promptlight: installing Python packages into .venv (first time: a few minutes)" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q "torch==2.13.0"
  .venv/bin/python -m pip install -q -e ".${extras}"
  echo "$want" > .venv/.promptlight-stamp
fi

# 3. npm packages of the front end (tests and the bundle check only; users get the built bundle).
if [ "$what" = all ] && [ -f frontend/package-lock.json ]; then
  want_npm="$(cat frontend/package-lock.json | sha256sum | cut -c1-16)"
  if [ "$(cat frontend/node_modules/.promptlight-stamp 2>/dev/null || true)" != "$want_npm" ]; then
    echo "promptlight: installing the front end's npm packages" >&2
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want_npm" > frontend/node_modules/.promptlight-stamp
  fi
fi
