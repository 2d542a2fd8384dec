#!/usr/bin/env bash
# README command 1: install, then run Untact on embedded defaults (SQLite, local disk,
# in-process analysis worker) at http://127.0.0.1:8000 with demo accounts.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/untact serve --seed-demo "$@"
