#!/usr/bin/env bash
# Install tickwire with its test extras and run the whole test suite. The install is
# skipped when it would change nothing: tickwire installed from this checkout, from the same
# setup.py and pyproject.toml, every compiled module built from its current source, every
# requirement met (src/tickwire/_build.py says which of these fails).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python -P src/tickwire/_build.py check-install test,bench; then
    python -m pip install -q -e ".[test,bench]"
fi
python -m pytest "$@"
