#!/usr/bin/env bash
# Install everything (first time only) and run every test: Python unit, integration and
# browser tests, the front end's Vitest tests, and the check that the committed UI bundle
# matches its source. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")"
scripts/install.sh all || exit 1
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
status=0
if [ -f frontend/package.json ]; then
  (cd frontend && npm test --silent) || status=1
  (cd frontend && npm run --silent check-bundle) || status=1
fi
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then echo "pytest collected no tests" >&2; rc=1; fi
[ "$rc" = 0 ] || status=$rc
exit $status
