#!/usr/bin/env bash
# README command 2: install everything including test tools, then lint, type-check and run
# the whole test suite (unit, PostgreSQL, media, model and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
echo "== ruff" >&2
.venv/bin/ruff check server media analysis tests benchmarks
echo "== mypy" >&2
.venv/bin/mypy
echo "== pytest" >&2
exec .venv/bin/pytest "$@"
