"""Runs side by side: each run's own report in a subfolder, and ``compare.md``/``compare.html``
with the KPI table (one column per run and the difference to the first), the monthly balance of
the key quantities per run, and charts drawn on one scale for all runs."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from hardware_sim.report import charts, write_report
from hardware_sim.report.document import write_document
from hardware_sim.report.kpis import KPI_ROWS, comfort_target_c, compute_kpis, fmt, kpi_value
from hardware_sim.report.monthly import monthly_balance
from hardware_sim.report.series import column
from hardware_sim.report.weeks import week_windows

KEY_MONTHLY = ("import", "export", "miners el.", "HP el.", "HP heat", "miner heat buffer", "miner heat DHW")
COLORS = ("#2166ac", "#d6604d", "#1b7837", "#762a83")


def slug(label: str) -> str:
    """A folder name of a run label."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "run"


def kpi_table(kpis: dict[str, dict]) -> tuple[list[str], list[list[str]]]:
    """(header, rows): KPI, unit, one column per run, and ``B - A`` when there are two runs."""
    names = list(kpis)
    header = ["KPI", "unit"] + names + ([f"{names[1]} - {names[0]}"] if len(names) == 2 else [])
    rows = []
    for label, key, unit, _, digits, _ in KPI_ROWS:
        values = [kpi_value(kpis[n], key) for n in names]
        row = [label, unit] + [fmt(v, digits) for v in values]
        if len(names) == 2:
            row.append(fmt(values[1] - values[0], digits))
        rows.append(row)
    return header, rows


def plot_monthly_compare(path: Path, monthly: dict[str, tuple[list[str], dict]]) -> Path:
    """One panel per key quantity: bars per month, one colour per run, all on one y scale."""
    fig, axes = plt.subplots(len(KEY_MONTHLY), 1, figsize=(12, 2.0 * len(KEY_MONTHLY)), sharex=True, sharey=True)
    names = list(monthly)
    labels = monthly[names[0]][0]
    x = np.arange(len(labels))
    width = 0.8 / len(names)
    for ax, head in zip(axes, KEY_MONTHLY):
        for j, name in enumerate(names):
            ax.bar(
                x + (j - len(names) / 2 + 0.5) * width,
                monthly[name][1][head],
                width,
                label=name,
                color=COLORS[j % len(COLORS)],
            )
        ax.set_ylabel(f"{head}\nkWh", fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[-1].set_xticks(x)
    axes[-1].set_xticklabels(labels, rotation=45 if len(labels) > 8 else 0, fontsize=8)
    fig.suptitle("Monthly energy per run (same scale in every panel)")
    return charts.save(fig, path)


def plot_week_compare(
    path: Path, runs: dict[str, dict], lo: int, hi: int, title: str, target_c: np.ndarray | None = None
) -> Path:
    """Net grid power, miner and heat-pump power, buffer top and room temperature of every run
    over the same rows (runs share the clock)."""
    fig, axes = plt.subplots(4, 1, figsize=(13, 10), sharex=True)
    for j, (name, s) in enumerate(runs.items()):
        t = np.asarray(s["t_utc_s"], dtype=float)[lo:hi]
        cols = {
            "net": (column(s, "grid_import_w") - column(s, "grid_export_w"))[lo:hi] / 1000.0,
            "miner": column(s, "miner_power_w")[lo:hi] / 1000.0,
            "hp": column(s, "hp_power_w")[lo:hi] / 1000.0,
            "buf": column(s, "buffer_top_temp_c")[lo:hi],
            "room": column(s, "room_temp_c")[lo:hi],
        }
        t, c = charts.downsample(t, cols, 2000)
        x = charts.dates(t)
        color = COLORS[j % len(COLORS)]
        lw = 2.2 if j == 0 else 0.9  # the first run wider and below: where runs agree both stay visible
        axes[0].plot(x, c["net"], color=color, lw=lw, label=name)
        axes[1].plot(x, c["miner"], color=color, lw=lw, label=f"miners ({name})")
        axes[1].plot(x, c["hp"], color=color, lw=lw, ls="--", label=f"heat pump ({name})")
        axes[2].plot(x, c["buf"], color=color, lw=lw, label=name)
        axes[3].plot(x, c["room"], color=color, lw=lw, label=name)
    for ax, ylabel in zip(axes, ("net grid kW\n(import +)", "kW", "buffer top °C", "room °C")):
        ax.set_ylabel(ylabel, fontsize=8)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        charts.time_axis(ax, ax is axes[-1])
    if target_c is not None:
        t, c = charts.downsample(
            np.asarray(next(iter(runs.values()))["t_utc_s"], dtype=float)[lo:hi],
            {"target": np.asarray(target_c)[lo:hi]},
            2000,
        )
        axes[3].plot(charts.dates(t), c["target"], color="black", lw=0.8, ls=":", label="comfort target")
        axes[3].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[0].axhline(0.0, color="black", lw=0.6)
    axes[0].set_title(title)
    return charts.save(fig, path)


def write_comparison(out_dir: str | Path, results: dict) -> Path:
    """Write every run's report into ``out_dir/<label>/`` and the comparison; returns compare.md.

    ``results``: label -> object with ``series`` and ``meta`` (the harness's SimResult), at least
    two runs over the same period and sample clock.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = {name: r.series for name, r in results.items()}
    lengths = {len(s["t_utc_s"]) for s in runs.values()}
    if len(results) < 2 or len(lengths) != 1:
        raise ValueError("a comparison needs two or more runs over the same period")
    kpis, monthly = {}, {}
    for name, r in results.items():
        write_report(out / slug(name), r.series, r.meta)
        kpis[name] = compute_kpis(r.series, r.meta)
        monthly[name] = monthly_balance(
            r.series, float(r.meta.get("utc_offset_h", 1.0)), comfort_target_c(r.series, r.meta)
        )
    first = next(iter(results.values()))
    made = [(plot_monthly_compare(out / "compare_monthly.png", monthly), "Monthly energy of the runs")]
    for stem, title, lo, hi in week_windows(first.series):
        made.append(
            (
                plot_week_compare(
                    out / f"compare_{stem}.png", runs, lo, hi, title, comfort_target_c(first.series, first.meta)
                ),
                f"{title}, all runs",
            )
        )
    made.append(
        (charts.plot_load_duration(out / "compare_load_duration.png", runs), "Load-duration curves of the runs")
    )
    names = list(results)
    mheader = ["month"] + [f"{h} ({n})" for h in ("import", "export", "HP el.", "miners el.") for n in names]
    labels = monthly[names[0]][0]
    mrows = [
        [m] + [f"{monthly[n][1][h][i]:,.0f}" for h in ("import", "export", "HP el.", "miners el.") for n in names]
        for i, m in enumerate(labels)
    ]
    runs_rows = [
        [n, r.meta.get("variant", n), ", ".join(r.meta.get("overrides", [])) or "-", f"{slug(n)}/summary.html"]
        for n, r in results.items()
    ]
    title = f"ThermIQ design study: {' vs '.join(names)}"
    blocks = [
        ("h1", title),
        ("table", ["run", "variant", "overrides", "full report"], runs_rows),
        ("h2", "KPIs side by side"),
        ("table", *kpi_table(kpis)),
        ("h2", "Monthly balance [kWh]"),
        ("table", mheader, mrows),
        ("h2", "Charts"),
    ] + [("img", p, c) for p, c in made]
    md, _ = write_document(out, "compare", blocks, title)
    return md
