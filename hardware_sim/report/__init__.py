"""Design-study report of a run: KPI table, monthly balance, charts; markdown and HTML.

``write_report(out_dir, series, meta)`` writes ``summary.md``, ``summary.html`` (self-contained,
charts embedded), ``timeseries.csv`` and the PNG charts ``balance.png``, ``week_winter.png`` and
``week_summer.png`` (runs of two weeks or more; shorter runs: ``dispatch.png``),
``temperatures.png`` and ``load_duration.png``. :mod:`hardware_sim.report.compare` puts two or
more runs side by side. Modules: series (input check), kpis, monthly, economics, charts, weeks,
trips, document (markdown/HTML rendering).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from hardware_sim.report import charts
from hardware_sim.report.document import write_document
from hardware_sim.report.kpis import comfort_target_c, compute_kpis, fmt, kpi_cells
from hardware_sim.report.monthly import monthly_balance, monthly_rows
from hardware_sim.report.series import (
    REQUIRED_COLUMNS,
    ReportError,
    check_series,
    daily_energy_kwh,
    group_days,
    intervals_s,
)
from hardware_sim.report.trips import trip_lines
from hardware_sim.report.weeks import week_windows

__all__ = [
    "REQUIRED_COLUMNS",
    "ReportError",
    "compute_kpis",
    "daily_energy_kwh",
    "group_days",
    "intervals_s",
    "write_report",
    "run_charts",
    "run_header",
]


def run_header(meta: dict, series: dict[str, np.ndarray], duration_h: float) -> list[list[str]]:
    """Rows of the run table: period, weather, scan period, prices."""
    t = np.asarray(series["t_utc_s"], dtype=float)
    first = t[0] - intervals_s(t)[0]
    span = (
        f"{dt.datetime.fromtimestamp(first, dt.UTC):%Y-%m-%d %H:%M} .. "
        f"{dt.datetime.fromtimestamp(t[-1], dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    prices = meta.get("prices", {})
    rows = [
        ["period", f"{meta.get('period', span)} ({fmt(duration_h)} h)"],
        ["weather file", str(meta.get("weather_file", "n/a"))],
        ["scan period", f"{meta.get('scan_period_s', 'n/a')} s"],
        ["configuration", str(meta.get("config", "n/a"))],
    ]
    if meta.get("variant"):
        rows.append(["variant", str(meta["variant"])])
    if prices:
        rows.append(
            [
                "prices",
                f"grid {100 * prices['grid_eur_kwh']:.1f} ct/kWh, feed-in "
                f"{100 * prices['feed_in_eur_kwh']:.1f} ct/kWh, mining {100 * prices['mining_eur_kwh']:.2f} "
                f"ct/kWh ({prices.get('source', '')})",
            ]
        )
    if meta.get("wall_s"):
        rows.append(["wall time", f"{meta['wall_s']:.1f} s ({meta.get('speed', 0):,.0f}x real time)"])
    return rows


def run_charts(out: Path, series: dict[str, np.ndarray], meta: dict) -> list[tuple[Path, str]]:
    """Write the charts of one run into ``out``; returns (path, caption) in report order."""
    utc_offset_h = float(meta.get("utc_offset_h", 1.0))
    made = [
        (
            charts.plot_balance(out / "balance.png", series, utc_offset_h),
            "Energy balance: electricity (export below zero) and heat per period",
        )
    ]
    for stem, title, lo, hi in week_windows(series):
        made.append(
            (
                charts.plot_dispatch(out / f"{stem}.png", series, lo, hi, title),
                f"{title}: electrical sources and uses, battery, temperatures",
            )
        )
    made.append(
        (charts.plot_temperatures(out / "temperatures.png", series), "Tank, loop, room and outdoor temperatures")
    )
    made.append((charts.plot_load_duration(out / "load_duration.png", {"run": series}), "Load-duration curves"))
    return made


def _write_csv(path: Path, series: dict[str, np.ndarray]) -> None:
    names = ["t_utc_s"] + [n for n in series if n != "t_utc_s"]
    data = np.column_stack([np.asarray(series[n], dtype=float) for n in names])
    fmts = ["%.3f"] + ["%.7g"] * (len(names) - 1)  # times to the millisecond, values to 7 digits
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt=fmts)


def write_report(out_dir: str | Path, series: dict[str, np.ndarray], meta: dict) -> Path:
    """Write the report of one run; returns the path of summary.md.

    Parameters
    ----------
    out_dir : directory (created if missing)
    series : equal-length columns; at least ``REQUIRED_COLUMNS`` (powers [W], temps [°C],
        battery_soc_pct [%], scan_cost_s [s], trips_latched [count]); extra columns go to the CSV.
    meta : site, period, weather_file, scan_period_s, config, trip_events (dicts from the harness
        or text lines), cycle_stats (dict), room_setpoint_c (21), comfort_band_k (1),
        utc_offset_h (1), prices (dict of :class:`~hardware_sim.report.economics.Prices`) - all optional.

    Raises
    ------
    ReportError
        Missing columns, unequal lengths, fewer than 2 rows or unsorted times (nothing written).
    """
    check_series(series)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kpis = compute_kpis(series, meta)
    utc_offset_h = float(meta.get("utc_offset_h", 1.0))
    labels, table = monthly_balance(series, utc_offset_h, comfort_target_c(series, meta))
    header, rows = monthly_rows(labels, table)
    _write_csv(out / "timeseries.csv", series)
    made = run_charts(out, series, meta)
    title = f"ThermIQ design study: {meta.get('site', 'unknown site')}"
    blocks: list[tuple] = [
        ("h1", title),
        ("table", ["run", ""], run_header(meta, series, kpis["duration_h"])),
        ("h2", "KPIs"),
        ("table", ["KPI", "value", "unit", "definition"], kpi_cells(kpis)),
        ("h2", "Monthly balance [kWh; COP; K h below target]"),
        ("table", header, rows),
        ("h2", "Trip events"),
        ("list", trip_lines(meta.get("trip_events", []), utc_offset_h)),
    ]
    stats = meta.get("cycle_stats", {})
    blocks += [("h2", "Cycle statistics")]
    blocks += [("table", ["item", "count"], [[k, v] for k, v in stats.items()])] if stats else [("p", "none given")]
    blocks += [("h2", "Charts")] + [("img", path, caption) for path, caption in made]
    blocks += [("p", "Data: timeseries.csv (one row per sample; powers are means over the sample).")]
    md, _ = write_document(out, "summary", blocks, title)
    return md
