"""Speed of the closed loop: a simulated year (or ``--days``) at a 10 s scan period.

Prints the wall and CPU time, the speed-up over real time (simulated s per wall s and per CPU
s: on a shared machine the CPU figure is the one-core figure), the time per scan, and the top
entries of a cProfile run of ``--profile-days`` days (by own time), so the closing note can say
what bounds the speed.

    .venv/bin/python bench/sim_speed.py                 # the year (3.15 M scans), then the profile
    .venv/bin/python bench/sim_speed.py --days 7 --profile-days 1
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware_sim.harness import simulate  # noqa: E402
from hardware_sim.plant.boundary import BoundarySeries  # noqa: E402
from hardware_sim.plant.params import load_plant_params  # noqa: E402
from thermiq.cli import DEFAULT_CONFIG  # noqa: E402
from thermiq.config.load import load_config  # noqa: E402

AIM = 500_000.0


def run(cfg, params, boundary, days: float, period_s: float) -> tuple[float, float, int, float]:
    """(wall s, CPU s, scans, days) of one closed-loop run from the first full day of the weather file."""
    start = boundary.start_s + 86400.0 - boundary.start_s % 86400.0
    days = min(days, (boundary.end_s - start) / 86400.0)
    w0, c0 = time.perf_counter(), time.process_time()
    res = simulate(cfg, params, boundary, start, days * 86400.0, period_s, sample_s=3600.0)
    return time.perf_counter() - w0, time.process_time() - c0, res.meta["scans"], days


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=365.0, help="simulated days (the year: 365, clipped to the file)")
    ap.add_argument("--period", type=float, default=10.0, help="scan period [s]")
    ap.add_argument("--profile-days", type=float, default=1.0, help="days of the profiled run (0: no profile)")
    ap.add_argument("--top", type=int, default=25, help="profile entries to print")
    ap.add_argument("--config", default=str(DEFAULT_CONFIG))
    args = ap.parse_args()
    cfg, params = load_config(args.config), load_plant_params()
    boundary = BoundarySeries.from_files(params)
    wall, cpu, scans, days = run(cfg, params, boundary, args.days, args.period)
    sim_s = days * 86400.0
    print(f"simulated {days:g} days at a {args.period:g} s scan period ({scans:,} scans)")
    print(f"wall {wall:.1f} s -> {sim_s / wall:,.0f}x real time; CPU {cpu:.1f} s -> {sim_s / cpu:,.0f}x "
          f"(aim {AIM:,.0f}x); {1e6 * cpu / scans:.0f} us CPU per scan")
    print(f"a year at this speed: {365 * 86400.0 / (sim_s / cpu):.0f} s CPU, "
          f"{365 * 86400.0 / (sim_s / wall):.0f} s wall")
    if args.profile_days > 0:
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        run(cfg, params, boundary, args.profile_days, args.period)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        print(f"\nprofile of {args.profile_days:g} day(s), top {args.top} by own time (cProfile inflates the times):")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:8000])


if __name__ == "__main__":
    main()
