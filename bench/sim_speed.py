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
import logging
import pstats
import sys
import time
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hardware_sim.harness import simulate  # noqa: E402
from hardware_sim.plant.boundary import BoundarySeries  # noqa: E402
from hardware_sim.plant.params import load_plant_params  # noqa: E402
from hardware_sim.study import study_inputs  # noqa: E402
from thermiq.cli import DEFAULT_CONFIG  # noqa: E402
from thermiq.config.load import load_config  # noqa: E402

AIM = 500_000.0


def run(cfg, params, boundary, days: float, period_s: float) -> tuple[float, float, int, float]:
    """(wall s, CPU s, scans, days) of one closed-loop run from the first full day of the weather file."""
    start = boundary.start_s + 86400.0 - boundary.start_s % 86400.0
    days = min(days, (boundary.end_s - start) / 86400.0)
    w0, c0 = time.perf_counter(), time.process_time()
    inputs = study_inputs(cfg, params, boundary)  # what ``thermiq sim`` feeds: tomorrow's PV forecast
    res = simulate(cfg, params, boundary, start, days * 86400.0, period_s, sample_s=3600.0, inputs=inputs)
    return time.perf_counter() - w0, time.process_time() - c0, res.meta["scans"], days


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=365.0, help="simulated days (the year: 365, clipped to the file)")
    ap.add_argument("--period", type=float, default=10.0, help="scan period [s]")
    ap.add_argument("--profile-days", type=float, default=1.0, help="days of the profiled run (0: no profile)")
    ap.add_argument("--top", type=int, default=25, help="profile entries to print")
    ap.add_argument("--config", default=str(DEFAULT_CONFIG))
    args = ap.parse_args()
    # the runner logs each day's new forecast setpoint at info: not part of the figures
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    cfg, params = load_config(args.config), load_plant_params()
    boundary = BoundarySeries.from_files(params)
    wall, cpu, scans, days = run(cfg, params, boundary, args.days, args.period)
    sim_s = days * 86400.0
    print(f"simulated {days:g} days at a {args.period:g} s scan period ({scans:,} scans)")
    print(
        f"wall {wall:.1f} s -> {sim_s / wall:,.0f}x real time; CPU {cpu:.1f} s -> {sim_s / cpu:,.0f}x "
        f"(aim {AIM:,.0f}x); {1e6 * cpu / scans:.0f} us CPU per scan"
    )
    print(
        f"a year at this speed: {365 * 86400.0 / (sim_s / cpu):.0f} s CPU, {365 * 86400.0 / (sim_s / wall):.0f} s wall"
    )
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
        print("\n" + closing_note(stats, cpu / scans, AIM))


#: (label, file suffix, function) of the phases whose cumulative share the closing note reports
PHASES = (
    (
        "the scan's functional core (Core.scan: quality, interlocks, controllers, arbitration)",
        "thermiq/cycle/scan.py",
        "scan",
    ),
    ("the runner shell around it (freeze, snapshots, stats)", "thermiq/cycle/runner.py", "scan_once"),
    ("the plant model step", "hardware_sim/plant/model.py", "step"),
    ("the process image (plant encode + controller decode)", "hardware_sim/loop/memory_image.py", None),
    ("the simulated field devices", "hardware_sim/devices/inproc.py", "update"),
)


def closing_note(stats: pstats.Stats, cpu_per_scan_s: float, aim: float) -> str:
    """What bounds the speed: each phase's share of the profiled run, and what the aim needs."""
    entries = stats.stats  # {(file, line, func): (cc, nc, tottime, cumtime, callers)}
    total = max(v[3] for k, v in entries.items() if k[2] == "simulate")
    share = {}
    for label, path, func in PHASES:
        cum = sum(
            v[3]
            for k, v in entries.items()
            if k[0].endswith(path)
            and (func is None or k[2] == func)
            and (func is not None or k[2] in ("read", "write_inputs", "write", "read_outputs"))
        )
        share[label] = cum / total
    ctrl_io = sum(
        v[3]
        for k, v in entries.items()
        if k[0].endswith("hardware_sim/loop/memory_image.py") and k[2] in ("read", "write")
    )
    # the runner's share without the core and without its image read/write (counted with the image)
    share[PHASES[1][0]] -= share[PHASES[0][0]] + ctrl_io / total
    need_us = 10.0 / aim * 1e6
    lines = [
        f"closing note: {1e6 * cpu_per_scan_s:.0f} us CPU per 10 s scan = {10.0 / cpu_per_scan_s:,.0f}x real time "
        f"on one core; the aim of {aim:,.0f}x needs {need_us:.0f} us per scan, plant included."
    ]
    lines += [f"  {100 * v:4.1f} % {k}" for k, v in share.items()]
    core_us = 1e6 * cpu_per_scan_s * (share[PHASES[0][0]] + share[PHASES[1][0]])
    lines.append(
        f"  bound: CPython interpreting the per-scan core: every trip row, quality check and controller "
        f"runs and allocates frozen state each scan. With a free plant, image and devices the scan alone "
        f"would still take ~{core_us:.0f} us ({10e6 / core_us:,.0f}x); the aim needs the core itself "
        f"~{core_us / need_us:.0f}x faster (compiled, or not re-evaluating unchanged rows)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
