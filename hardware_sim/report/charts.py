"""PNG charts of one run: period balance, dispatch weeks, tank temperatures, load-duration curves.

matplotlib's Agg backend; long series are averaged down to at most ``MAX_PLOT_POINTS`` points
(means keep energy: a stacked area of block means has the block's energy).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from hardware_sim.report.series import column, daily_energy_kwh, group_days, intervals_s  # noqa: E402

MAX_PLOT_POINTS = 4000
SOURCES = (
    ("pv_power_w", "PV", "#f6c200"),
    ("grid_import_w", "grid import", "#636363"),
    ("battery_discharge_w", "battery discharge", "#1a9850"),
)
SINKS = (
    ("load_power_w", "household", "#4575b4"),
    ("miner_power_w", "miners", "#d73027"),
    ("hp_power_w", "heat pump", "#984ea3"),
    ("pump_power_w", "pumps", "#80cdc1"),
    ("battery_charge_w", "battery charge", "#a6d96a"),
    ("grid_export_w", "grid export", "#bababa"),
)
ELECTRIC_BARS = (
    ("pv_power_w", "PV", "#f6c200"),
    ("grid_import_w", "import", "#636363"),
    ("grid_export_w", "export", "#bababa"),
    ("load_power_w", "household", "#4575b4"),
    ("miner_power_w", "miners", "#d73027"),
    ("hp_power_w", "heat pump el.", "#984ea3"),
)
HEAT_BARS = (
    ("hp_heat_w", "heat pump heat", "#cab2d6"),
    ("miner_hx_buffer_w", "miner heat to buffer", "#f4a582"),
    ("miner_hx_dhw_w", "miner heat to DHW", "#b2182b"),
    ("house_heat_w", "house heat", "#1b7837"),
    ("dhw_draw_heat_w", "DHW drawn", "#762a83"),
)


def downsample(t: np.ndarray, cols: dict[str, np.ndarray], points: int = MAX_PLOT_POINTS):
    """Block means of ``t`` and each column so that at most ``points`` rows remain."""
    n = len(t)
    block = max(1, math.ceil(n / points))
    m = n // block
    if block == 1 or m == 0:
        return t, cols
    cut = m * block
    tt = t[:cut].reshape(m, block).mean(axis=1)
    return tt, {k: np.asarray(v, dtype=float)[:cut].reshape(m, block).mean(axis=1) for k, v in cols.items()}


def dates(t: np.ndarray) -> list[dt.datetime]:
    return [dt.datetime.fromtimestamp(x, dt.UTC) for x in t]


def time_axis(ax, label: bool = False) -> None:
    """Concise date ticks (UTC, the simulation clock); ``label`` names the clock under the axis."""
    loc = mdates.AutoDateLocator()
    if label:
        ax.set_xlabel("UTC")
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.grid(True, alpha=0.3)


def save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def period_bars(ax, series, bars, utc_offset_h: float, title: str, sign: dict | None = None) -> str:
    """Grouped bars of energy per day/week/month; returns the unit ("day", "week", "month")."""
    names = tuple(b[0] for b in bars)
    hours = {"t_utc_s": series["t_utc_s"], "one_w": np.full(len(series["t_utc_s"]), 3.6e6 / 3600.0)}
    days, e = daily_energy_kwh(series | {"one_w": hours["one_w"]}, names + ("one_w",), utc_offset_h)
    starts, e, unit = group_days(days, e)
    covered_h = e.pop("one_w")  # 1 kW for an hour = 1 kWh: hours covered per period
    x = np.arange(len(starts))
    width = 0.8 / len(bars)
    for j, (name, label, color) in enumerate(bars):
        ax.bar(
            x + (j - len(bars) / 2 + 0.5) * width,
            e[name] * (sign or {}).get(name, 1.0),
            width,
            label=label,
            color=color,
        )
    step = max(1, len(starts) // 16)
    ax.set_xticks(x[::step])
    fmt = "%b %Y" if unit == "month" else "%d %b"
    full_h = [period_hours(d, unit) for d in starts]
    ticks = [
        d.strftime(fmt) + ("" if c >= 0.99 * f else f"\n(partial: {c:.0f} h)")
        for d, c, f in zip(starts, covered_h, full_h)
    ]
    ax.set_xticklabels(ticks[::step])
    ax.set_ylabel(f"kWh per {unit}")
    ax.set_title(title)
    ax.axhline(0.0, color="black", lw=0.6)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(True, axis="y", alpha=0.3)
    return unit


def period_hours(start: dt.date, unit: str) -> float:
    """Length of a calendar day, ISO week or month starting at ``start`` [h]."""
    if unit == "day":
        return 24.0
    if unit == "week":
        return 168.0
    nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (nxt - start).days * 24.0


def plot_balance(path: Path, series, utc_offset_h: float) -> Path:
    """Electricity (export drawn below zero) and heat per day, week or month."""
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(12, 8))
    unit = period_bars(ax1, series, ELECTRIC_BARS, utc_offset_h, "Electricity", {"grid_export_w": -1.0})
    period_bars(ax2, series, HEAT_BARS, utc_offset_h, "Heat")
    fig.suptitle(f"Energy balance per {unit} (local time UTC{utc_offset_h:+g} h)")
    return save(fig, path)


def plot_dispatch(path: Path, series, lo: int, hi: int, title: str) -> Path:
    """Stacked electrical sources (+) and uses (-), battery SoC and tank temperatures, rows lo..hi."""
    names = [s[0] for s in SOURCES + SINKS]
    cols = {n: column(series, n)[lo:hi] for n in names}
    for n in (
        "battery_soc_pct",
        "buffer_top_temp_c",
        "buffer_bottom_temp_c",
        "dhw_temp_c",
        "room_temp_c",
        "outdoor_temp_c",
    ):
        cols[n] = column(series, n)[lo:hi]
    t, c = downsample(np.asarray(series["t_utc_s"], dtype=float)[lo:hi], cols, 2000)
    x = dates(t)
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(13, 9), sharex=True, height_ratios=(4, 1, 2))
    ax1.stackplot(
        x,
        *[c[n] / 1000.0 for n, _, _ in SOURCES],
        labels=[lbl for _, lbl, _ in SOURCES],
        colors=[col for _, _, col in SOURCES],
    )
    ax1.stackplot(
        x,
        *[-c[n] / 1000.0 for n, _, _ in SINKS],
        labels=[lbl for _, lbl, _ in SINKS],
        colors=[col for _, _, col in SINKS],
    )
    ax1.axhline(0.0, color="black", lw=0.8)
    ax1.set_ylabel("kW  (sources + / uses -)")
    ax1.set_title(title)
    ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax2.plot(x, c["battery_soc_pct"], color="#1a9850")
    ax2.set_ylim(0.0, 100.0)
    ax2.set_ylabel("battery SoC %")
    for n, lbl, color in (
        ("buffer_top_temp_c", "buffer top", "#b2182b"),
        ("buffer_bottom_temp_c", "buffer bottom", "#f4a582"),
        ("dhw_temp_c", "DHW", "#762a83"),
        ("room_temp_c", "room", "#1b7837"),
        ("outdoor_temp_c", "outdoor", "#2166ac"),
    ):
        ax3.plot(x, c[n], label=lbl, color=color, lw=1.0)
    ax3.set_ylabel("°C")
    ax3.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    for ax in (ax1, ax2, ax3):
        time_axis(ax, ax is ax3)
    return save(fig, path)


def plot_temperatures(path: Path, series) -> Path:
    """Tank, miner-loop, room and outdoor temperatures over the whole run."""
    names = (
        "buffer_top_temp_c",
        "buffer_mid_temp_c",
        "buffer_bottom_temp_c",
        "dhw_temp_c",
        "miner_loop_supply_temp_c",
        "room_temp_c",
        "outdoor_temp_c",
    )
    t, c = downsample(np.asarray(series["t_utc_s"], dtype=float), {k: column(series, k) for k in names})
    x = dates(t)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(13, 7.5), sharex=True, height_ratios=(3, 2))
    for name, label, color in (
        ("buffer_top_temp_c", "buffer top", "#b2182b"),
        ("buffer_mid_temp_c", "buffer middle", "#ef8a62"),
        ("buffer_bottom_temp_c", "buffer bottom", "#f7c6a9"),
        ("dhw_temp_c", "DHW", "#762a83"),
        ("miner_loop_supply_temp_c", "miner loop supply", "#4d4d4d"),
    ):
        ax1.plot(x, c[name], label=label, color=color, lw=1.0)
    ax1.set_ylabel("°C")
    ax1.set_title("Tank and miner-loop temperatures" + (" (block means)" if len(t) < len(series["t_utc_s"]) else ""))
    ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax2.plot(x, c["room_temp_c"], label="room", color="#1b7837", lw=1.0)
    ax2.plot(x, c["outdoor_temp_c"], label="outdoor", color="#2166ac", lw=0.8)
    ax2.set_ylabel("°C")
    ax2.set_title("Room and outdoor temperature")
    ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    time_axis(ax1)
    time_axis(ax2, True)
    return save(fig, path)


def duration_curve(series, name: str, sign: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(hours exceeded [h], power sorted high to low [kW]) of a power column."""
    p = sign * column(series, name) / 1000.0
    dts = intervals_s(series["t_utc_s"])
    order = np.argsort(-p, kind="stable")
    return np.cumsum(dts[order]) / 3600.0, p[order]


def plot_load_duration(path: Path, runs: dict[str, dict]) -> Path:
    """Load-duration curves of the net grid power (import +, export -) and of the heat sources;
    one line per run in ``runs`` (name -> series)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    styles = ("-", "--", ":", "-.")
    for i, (run, s) in enumerate(runs.items()):
        net = {"t_utc_s": s["t_utc_s"], "net_w": column(s, "grid_import_w") - column(s, "grid_export_w")}
        h, p = duration_curve(net, "net_w")
        ax1.plot(h, p, ls=styles[i % 4], color="#252525", label=f"net grid ({run})" if len(runs) > 1 else "net grid")
        for name, label, color in (
            ("hp_power_w", "heat pump el.", "#984ea3"),
            ("miner_power_w", "miners", "#d73027"),
            ("load_power_w", "household", "#4575b4"),
        ):
            h, p = duration_curve(s, name)
            ax2.plot(h, p, ls=styles[i % 4], color=color, label=label + (f" ({run})" if len(runs) > 1 else ""))
    ax1.axhline(0.0, color="black", lw=0.6)
    ax1.set_title("Net grid power: import (+) / export (-)")
    ax2.set_title("Consumers")
    for ax in (ax1, ax2):
        ax.set_xlabel("hours at or above")
        ax.set_ylabel("kW")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Load-duration curves")
    return save(fig, path)
