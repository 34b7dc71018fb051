#!/usr/bin/env bash
# One command: install everything, then serve the API on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/longform serve --host 127.0.0.1 --port 8000
