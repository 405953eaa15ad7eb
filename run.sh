#!/usr/bin/env bash
# Install what promptlight needs (first time only) and start the main job: the web app on
# gemma3-270m with the sample prompts, at http://127.0.0.1:5432 . Extra arguments go to
# `promptlight serve` (e.g. ./run.sh --port 8000 --models tiny).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install.sh runtime
exec .venv/bin/promptlight serve "$@"
