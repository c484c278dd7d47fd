"""Simulated seconds per wall second of a 7-day closed-loop run at a 10 s scan period.

    .venv/bin/python bench/sim_speed.py [--days 7] [--period 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from hardware_sim.harness import simulate
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import load_plant_params
from thermiq.cli import DEFAULT_CONFIG
from thermiq.config.load import load_config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--period", type=float, default=10.0)
    args = ap.parse_args()
    cfg, params = load_config(DEFAULT_CONFIG), load_plant_params()
    boundary = BoundarySeries.from_files(params)
    year = dt.datetime.fromtimestamp(boundary.start_s + 86400, dt.timezone.utc).year
    start = dt.datetime(year, 1, 10, tzinfo=dt.timezone.utc).timestamp()
    t0 = time.perf_counter()
    res = simulate(cfg, params, boundary, start, args.days * 86400.0, args.period)
    wall = time.perf_counter() - t0
    sim_s = args.days * 86400.0
    print(f"simulated {args.days:g} days at a {args.period:g} s scan period ({res.meta['scans']} scans) in {wall:.2f} s wall")
    print(f"speed: {sim_s / wall:,.0f} simulated s per wall s; a year would take {365 * 86400 / (sim_s / wall):.0f} s")


if __name__ == "__main__":
    main()
