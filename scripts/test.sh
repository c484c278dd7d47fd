#!/usr/bin/env bash
# Install ThermIQ, the system packages the tests use (Mosquitto, socat) and Node-RED, then run
# the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
$SUDO sh scripts/install-system-deps.sh
bash scripts/setup.sh
if [ -f scripts/install-node-red.sh ]; then bash scripts/install-node-red.sh; fi
# style first: ruff lint and format check (configured in pyproject.toml)
.venv/bin/ruff check --no-cache . && .venv/bin/ruff format --no-cache --check .
exec .venv/bin/python -m pytest "$@"
