#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine: the package with its test extras, and
# Debian's Chromium for the real-browser test (Playwright's own browser download does not work here).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and apt-get is not available: install Chromium at /usr/bin/chromium" >&2
    exit 1
  fi
fi
python -m pip install -q --disable-pip-version-check -e ".[test]"

# Compile the hot path's kernel once for this machine (JIT and ahead-of-time builds, one per core; see
# sim/engine/prepare.py), so that no test pays the compilation inside a subprocess's timeout.
python -m sim prepare
# An editable install writes no bytecode (nor does Python here, with PYTHONDONTWRITEBYTECODE set):
# compile it once, as a wheel install would, rather than at every start.
python -m compileall -q sim
