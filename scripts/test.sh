#!/usr/bin/env bash
# Install tickwire with its test extras and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e ".[test,bench]"
python -m pytest "$@"
