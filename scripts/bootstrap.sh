#!/usr/bin/env bash
# Creates .venv (Python 3.11+) and installs the pinned dependencies and the five packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" - <<'PYCHK'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Python 3.11 or newer is needed, found {sys.version.split()[0]}")
PYCHK
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements-dev.txt \
  -e shared -e services/registry -e services/eligibility -e services/finance-match -e services/whistle
touch .venv/.installed
echo "environment ready: .venv"
