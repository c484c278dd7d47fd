"""Sweeps: one configuration key over a list of values, one closed-loop run per value, in parallel.

``thermiq sweep --key plant.electrical.battery_capacity_kwh --values 0,5,10,15 --days 14`` runs
four variants of the site on local cores (a process pool) or, with ``--scheduler
tcp://host:8786``, on a Dask distributed cluster through the same ``concurrent.futures``
interface (:func:`hardware_sim.study.run_all`). Keys: see :mod:`hardware_sim.variants`
(site keys, ``plant.*`` keys, ``site`` = a site TOML per value). Writes ``sweep_<key>.md``,
``.html``, ``.csv`` (one row per value, every KPI) and ``sweep_<key>.png``.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from hardware_sim.report.charts import save
from hardware_sim.report.compare import slug
from hardware_sim.report.document import write_document
from hardware_sim.report.kpis import KPI_ROWS, fmt, kpi_value
from hardware_sim.study import RunSpec, run_all, run_kpis
from hardware_sim.variants import Variant, build, parse_value, with_override

#: KPIs in the sweep table and chart: (key, short label)
SWEEP_KPIS = (
    ("grid_import_kwh", "grid import"),
    ("grid_export_kwh", "grid export"),
    ("self_sufficiency", "self-sufficiency"),
    ("self_consumption", "self-consumption"),
    ("miner_power_kwh", "miners el."),
    ("miner_hx_buffer_kwh", "miner heat buffer"),
    ("hp_power_kwh", "HP el."),
    ("seasonal_cop", "seasonal COP"),
    ("net_cost_eur", "net energy cost (< 0: earns)"),
    ("degree_hours_below", "degree-hours below"),
    ("trips", "trips"),
    ("hours_trip_latched", "h trip latched"),
)
UNITS = {k: (u, d) for _, k, u, _, d, _ in KPI_ROWS}


@dataclass(frozen=True)
class SweepResult:
    key: str
    values: tuple
    rows: tuple  # per value: {"label", "kpis", "wall_s"}
    wall_s: float


def sweep(
    base: Variant,
    key: str,
    values: list,
    start_utc_s: float,
    duration_s: float,
    period_s: float,
    weather: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> SweepResult:
    """Run ``base`` with ``key`` set to each value; every variant is validated before any run."""
    if not values:
        raise ValueError("a sweep needs at least one value")
    variants = [with_override(base, key, v, f"{key}={v}") for v in values]
    for v in variants:
        build(v)  # bad key or value: one error before anything runs
    specs = [RunSpec(v, start_utc_s, duration_s, period_s, weather) for v in variants]
    t0 = time.perf_counter()
    rows = run_all(run_kpis, specs, scheduler, workers)
    return SweepResult(key, tuple(values), tuple(rows), time.perf_counter() - t0)


def _table(res: SweepResult) -> tuple[list[str], list[list[str]]]:
    header = [res.key] + [f"{label} [{UNITS[k][0]}]" for k, label in SWEEP_KPIS] + ["run wall s"]
    rows = [
        [str(v)] + [fmt(kpi_value(r["kpis"], k), UNITS[k][1]) for k, _ in SWEEP_KPIS] + [f"{r['wall_s']:.1f}"]
        for v, r in zip(res.values, res.rows)
    ]
    return header, rows


def plot_sweep(path: Path, res: SweepResult) -> Path:
    """One small panel per KPI against the swept value (points joined in the given order); every
    y axis includes zero, so a 1 % change does not fill the panel."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in res.values)
    x = list(res.values) if numeric else list(range(len(res.values)))
    fig, axes = plt.subplots(3, 4, figsize=(14, 8.5))
    for ax, (k, label) in zip(axes.flat, SWEEP_KPIS):
        y = [kpi_value(r["kpis"], k) for r in res.rows]
        ax.plot(x, y, marker="o", color="#2166ac", clip_on=False)
        finite = [v for v in y if v == v] or [0.0]
        lo, hi = min(0.0, min(finite)), max(0.0, max(finite))
        pad = 0.08 * (hi - lo) if hi > lo else 1.0
        ax.set_ylim(lo - (pad if lo < 0 else 0.0), hi + pad)  # zero always in view: no magnified wiggles
        if UNITS[k][1] == 0 and UNITS[k][0] == "-":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{label} [{UNITS[k][0]}]", fontsize=9)
        ax.grid(True, alpha=0.3)
        if not numeric:
            ax.set_xticks(x)
            ax.set_xticklabels([str(v) for v in res.values], fontsize=7, rotation=30)
        ax.tick_params(labelsize=8)
    for ax in axes[-1]:
        ax.set_xlabel(res.key, fontsize=8)
    fig.suptitle(f"Sweep of {res.key}")
    return save(fig, path)


def write_sweep(out_dir: str | Path, res: SweepResult, meta: dict) -> Path:
    """Write the sweep's table (md, html, csv with every KPI) and chart; returns the markdown path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"sweep_{slug(res.key)}"
    keys = sorted(res.rows[0]["kpis"])
    with (out / f"{stem}.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([res.key] + keys + ["wall_s"])
        w.writerows([[v] + [r["kpis"][k] for k in keys] + [r["wall_s"]] for v, r in zip(res.values, res.rows)])
    chart = plot_sweep(out / f"{stem}.png", res)
    title = f"ThermIQ sweep: {res.key}"
    blocks = [
        ("h1", title),
        ("table", ["run", ""], [[k, str(v)] for k, v in meta.items()]),
        ("p", f"{len(res.values)} runs in {res.wall_s:.1f} s wall time."),
        ("table", *_table(res)),
        ("img", chart, f"KPIs against {res.key}"),
        ("p", f"Every KPI of every run: {stem}.csv"),
    ]
    md, _ = write_document(out, stem, blocks, title)
    return md


def run_sweep_cli(args) -> int:
    """``thermiq sweep``: check every option, run the sweep, write its report. Returns the exit code."""
    from hardware_sim.plant.boundary import BoundarySeries
    from hardware_sim.plant.params import PlantParamsError
    from hardware_sim.plant.weather import WeatherError
    from hardware_sim.study import resolve_period

    try:
        base = Variant("base", args.config, args.plant)
        values = [parse_value(v.strip()) for v in args.values.split(",") if v.strip()]
        _, params = build(base)
        boundary = (
            BoundarySeries.from_files(params, args.weather) if args.weather else BoundarySeries.from_files(params)
        )
        start, duration = resolve_period(args.start, args.days, args.year, boundary.start_s, boundary.end_s)
        if not 0 < args.period <= 10.0 or abs(300.0 / args.period - round(300.0 / args.period)) > 1e-9:
            raise ValueError(f"--period {args.period:g} must be in (0, 10] s and divide the 300 s report interval")
        Path(args.out).mkdir(parents=True, exist_ok=True)
        res = sweep(base, args.key, values, start, duration, args.period, args.weather, args.scheduler, args.workers)
    except (WeatherError, PlantParamsError, ValueError, OSError) as err:
        print(f"error: {str(err).strip()}", file=sys.stderr)
        return 2
    md = write_sweep(
        args.out,
        res,
        {
            "site": args.config,
            "period": f"{duration / 86400:g} days from {time.strftime('%Y-%m-%d %H:%M', time.gmtime(start))} UTC",
            "scan period": f"{args.period:g} s",
            "executor": args.scheduler or f"local process pool ({args.workers or 'all'} cores)",
        },
    )
    print(f"sweep written to {md} ({len(values)} runs in {res.wall_s:.1f} s)")
    return 0
