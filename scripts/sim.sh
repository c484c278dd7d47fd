#!/usr/bin/env bash
# Install ThermIQ and run the main job: a 7-day January closed-loop simulation of ASP1 on the
# bundled real PVGIS weather; the report lands in ./report (summary.md, timeseries.csv, charts).
# Extra arguments go to `thermiq sim` (e.g. --days 14 --start 2015-02-01 --out report-feb).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/thermiq sim --days 7 --out report "$@"
