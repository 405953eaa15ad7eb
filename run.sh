#!/usr/bin/env bash
# Install what promptlight needs (first time only) and start the main job:
# gemma3-270m on the sample prompts. Extra arguments go to the command.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install.sh runtime
exec .venv/bin/promptlight generate --model gemma3-270m --dataset sample_prompts --source fewshot-mistake "$@"
