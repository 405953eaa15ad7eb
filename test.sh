#!/usr/bin/env bash
# Install everything (first time only) and run every test: the static checks (ruff lint and
# format, mypy), the front end's type check and Vitest tests, the check that the committed UI
# bundle matches its source, and the Python unit, integration and browser tests. Extra
# arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")"
scripts/install.sh all || exit 1
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
status=0
.venv/bin/ruff check promptlight tests benchmarks scripts examples/*.py || status=1
.venv/bin/ruff format --check promptlight || status=1
.venv/bin/mypy || status=1
if [ -f frontend/package.json ]; then
  (cd frontend && npm run --silent typecheck) || status=1
  (cd frontend && npm test --silent) || status=1
  (cd frontend && npm run --silent check-bundle) || status=1
fi
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then echo "pytest collected no tests" >&2; rc=1; fi
[ "$rc" = 0 ] || status=$rc
exit $status
