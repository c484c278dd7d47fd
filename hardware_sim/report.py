"""Simulation report: KPI table (summary.md), the time series (CSV) and PNG charts.

``write_report(out_dir, series, meta)`` takes equal-length columns sampled on a common clock.
Row i's powers are the means over the interval (t[i-1], t[i]]; the first row's interval is
taken as long as the second. Energies are sums of power x interval. Charts use matplotlib's
Agg backend and average long series down to at most ``MAX_PLOT_POINTS`` points.
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

J_PER_KWH = 3.6e6
MAX_PLOT_POINTS = 4000
TEMPERATURE_COLUMNS = ("buffer_top_temp_c", "buffer_mid_temp_c", "buffer_bottom_temp_c", "dhw_temp_c",
                       "room_temp_c", "outdoor_temp_c", "miner_loop_supply_temp_c")
POWER_COLUMNS = ("pv_power_w", "load_power_w", "grid_import_w", "grid_export_w", "battery_charge_w",
                 "battery_discharge_w", "miner_power_w", "miner_heat_w", "hp_power_w", "hp_heat_w",
                 "pump_power_w", "house_heat_w", "dhw_draw_heat_w")
REQUIRED_COLUMNS = ("t_utc_s",) + POWER_COLUMNS + TEMPERATURE_COLUMNS + (
    "battery_soc_pct", "scan_cost_s", "trips_latched")


class ReportError(ValueError):
    """The series cannot be reported; the message names the problem."""


def _check(series: dict[str, np.ndarray]) -> int:
    missing = [c for c in REQUIRED_COLUMNS if c not in series]
    if missing:
        raise ReportError(f"series lacks columns: {', '.join(missing)}")
    lengths = {name: len(np.asarray(col)) for name, col in series.items()}
    n = lengths["t_utc_s"]
    bad = [name for name, length in lengths.items() if length != n]
    if bad:
        raise ReportError(f"columns {', '.join(bad)} differ in length from t_utc_s ({n} rows)")
    if n < 2:
        raise ReportError(f"series needs at least 2 rows, has {n}")
    t = np.asarray(series["t_utc_s"], dtype=float)
    if not np.all(np.diff(t) > 0.0):
        raise ReportError("t_utc_s must be strictly increasing")
    return n


def intervals_s(t_utc_s: np.ndarray) -> np.ndarray:
    """Length of each row's interval [s] (first row: same as the second)."""
    d = np.diff(np.asarray(t_utc_s, dtype=float))
    return np.concatenate(([d[0]], d))


def compute_kpis(series: dict[str, np.ndarray], meta: dict) -> dict[str, float]:
    """KPIs of a run (energies [kWh], ratios [-], times [h], costs [ms], temperatures [°C]).

    Definitions: consumption = household + miners + HP + pumps; self-consumption =
    (PV - export) / PV; self-sufficiency = 1 - import / consumption; seasonal COP = HP heat /
    HP electricity (incl. standby); hours_room_below = time with room < setpoint - 1 K.
    """
    _check(series)
    dts = intervals_s(series["t_utc_s"])

    def kwh(name: str) -> float:
        return float(np.sum(np.asarray(series[name], dtype=float) * dts) / J_PER_KWH)

    k = {f"{name[:-2]}_kwh": kwh(name) for name in POWER_COLUMNS}
    k["consumption_kwh"] = k["load_power_kwh"] + k["miner_power_kwh"] + k["hp_power_kwh"] + k["pump_power_kwh"]
    k["seasonal_cop"] = k["hp_heat_kwh"] / k["hp_power_kwh"] if k["hp_power_kwh"] > 0.0 else math.nan
    pv = k["pv_power_kwh"]
    k["self_consumption"] = (pv - k["grid_export_kwh"]) / pv if pv > 0.0 else math.nan
    cons = k["consumption_kwh"]
    k["self_sufficiency"] = 1.0 - k["grid_import_kwh"] / cons if cons > 0.0 else math.nan
    cost_ms = np.asarray(series["scan_cost_s"], dtype=float) * 1000.0
    k["scan_cost_median_ms"] = float(np.median(cost_ms))
    k["scan_cost_p99_ms"] = float(np.percentile(cost_ms, 99))
    k["scan_cost_max_ms"] = float(np.max(cost_ms))
    room = np.asarray(series["room_temp_c"], dtype=float)
    setpoint = float(meta.get("room_setpoint_c", 21.0))
    k["room_min_c"] = float(np.min(room))
    k["room_max_c"] = float(np.max(room))
    k["hours_room_below"] = float(np.sum(dts[room < setpoint - 1.0]) / 3600.0)
    latched = np.asarray(series["trips_latched"])
    k["hours_trip_latched"] = float(np.sum(dts[latched > 0]) / 3600.0)
    k["trips"] = float(len(meta.get("trip_events", [])))
    k["duration_h"] = float(np.sum(dts) / 3600.0)
    return k


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if isinstance(value, float) and math.isnan(value) else f"{value:,.{digits}f}"


def _summary(kpis: dict[str, float], meta: dict, series: dict[str, np.ndarray]) -> str:
    t = np.asarray(series["t_utc_s"], dtype=float)
    start = dt.datetime.fromtimestamp(t[0], dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    end = dt.datetime.fromtimestamp(t[-1], dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    setpoint = float(meta.get("room_setpoint_c", 21.0))
    k = kpis
    rows = [
        ("PV generation", _fmt(k["pv_power_kwh"]), "kWh", "AC output of the PV array"),
        ("Grid import", _fmt(k["grid_import_kwh"]), "kWh", ""),
        ("Grid export", _fmt(k["grid_export_kwh"]), "kWh", ""),
        ("Battery charge / discharge", f"{_fmt(k['battery_charge_kwh'])} / {_fmt(k['battery_discharge_kwh'])}",
         "kWh", "AC side"),
        ("Household load", _fmt(k["load_power_kwh"]), "kWh", "BDEW H25, without miners/HP/pumps"),
        ("Miners electrical", _fmt(k["miner_power_kwh"]), "kWh", ""),
        ("Miner heat", _fmt(k["miner_heat_kwh"]), "kWh", "= electrical power, into the cooling water"),
        ("Heat pump electrical", _fmt(k["hp_power_kwh"]), "kWh", "incl. standby"),
        ("Heat pump heat", _fmt(k["hp_heat_kwh"]), "kWh", ""),
        ("Heat pump seasonal COP", _fmt(k["seasonal_cop"], 2), "-", "HP heat / HP electricity"),
        ("Pumps electrical", _fmt(k["pump_power_kwh"]), "kWh", "P3, P4, P5"),
        ("House heat", _fmt(k["house_heat_kwh"]), "kWh", "delivered by the emitters"),
        ("DHW heat drawn", _fmt(k["dhw_draw_heat_kwh"]), "kWh", "enthalpy of the draw above cold water"),
        ("Total consumption", _fmt(k["consumption_kwh"]), "kWh", "household + miners + HP + pumps"),
        ("Self-consumption", _fmt(100.0 * k["self_consumption"]), "%", "(PV - export) / PV"),
        ("Self-sufficiency", _fmt(100.0 * k["self_sufficiency"]), "%", "1 - import / total consumption"),
        ("Trips", f"{int(k['trips'])}", "-", f"latched for {_fmt(k['hours_trip_latched'])} h"),
        ("Scan cost median / p99 / max",
         f"{_fmt(k['scan_cost_median_ms'], 3)} / {_fmt(k['scan_cost_p99_ms'], 3)} / {_fmt(k['scan_cost_max_ms'], 3)}",
         "ms", "controller time per scan"),
        ("Room temperature min / max", f"{_fmt(k['room_min_c'])} / {_fmt(k['room_max_c'])}", "°C", ""),
        (f"Hours room below {setpoint - 1.0:g} °C", _fmt(k["hours_room_below"]), "h", "setpoint - 1 K"),
    ]
    lines = [f"# ThermIQ simulation report: {meta.get('site', 'unknown site')}", ""]
    lines += ["| run | |", "|---|---|",
              f"| period (UTC) | {meta.get('period', f'{start} .. {end}')} ({_fmt(k['duration_h'])} h) |",
              f"| weather file | {meta.get('weather_file', 'n/a')} |",
              f"| scan period | {meta.get('scan_period_s', 'n/a')} s |", ""]
    lines += ["## KPIs", "", "| KPI | value | unit | definition |", "|---|---:|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    events = meta.get("trip_events", [])
    lines += ["", "## Trip events", ""]
    lines += [f"- {e}" for e in events] if events else ["none"]
    stats = meta.get("cycle_stats", {})
    lines += ["", "## Cycle statistics", ""]
    if stats:
        lines += ["| item | count |", "|---|---:|"] + [f"| {key} | {val} |" for key, val in stats.items()]
    else:
        lines += ["none given"]
    lines += ["", "Charts: temperatures.png, power_flows.png, daily_energy.png. Data: timeseries.csv.", ""]
    return "\n".join(lines)


def _downsample(t: np.ndarray, cols: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    n = len(t)
    block = max(1, math.ceil(n / MAX_PLOT_POINTS))
    m = n // block
    if block == 1 or m == 0:
        return t, cols
    cut = m * block
    tt = t[:cut].reshape(m, block).mean(axis=1)
    return tt, {k: np.asarray(v, dtype=float)[:cut].reshape(m, block).mean(axis=1) for k, v in cols.items()}


def _dates(t: np.ndarray):
    return [dt.datetime.fromtimestamp(x, dt.timezone.utc) for x in t]


def _time_axis(ax) -> None:
    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.grid(True, alpha=0.3)


def _plot_temperatures(path: Path, series: dict[str, np.ndarray]) -> None:
    t, c = _downsample(np.asarray(series["t_utc_s"], dtype=float), {k: series[k] for k in TEMPERATURE_COLUMNS})
    x = _dates(t)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(13, 7.5), sharex=True, height_ratios=(3, 2))
    for name, label, color in (("buffer_top_temp_c", "buffer top", "#b2182b"),
                               ("buffer_mid_temp_c", "buffer middle", "#ef8a62"),
                               ("buffer_bottom_temp_c", "buffer bottom", "#fddbc7"),
                               ("dhw_temp_c", "DHW", "#762a83"),
                               ("miner_loop_supply_temp_c", "miner loop supply", "#4d4d4d")):
        ax1.plot(x, c[name], label=label, color=color, lw=1.2 if "buffer" in name else 1.0)
    ax1.set_ylabel("°C")
    ax1.set_title("Tank and miner-loop temperatures")
    ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax2.plot(x, c["room_temp_c"], label="room", color="#1b7837", lw=1.2)
    ax2.plot(x, c["outdoor_temp_c"], label="outdoor", color="#2166ac", lw=1.0)
    ax2.set_ylabel("°C")
    ax2.set_title("Room and outdoor temperature")
    ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    _time_axis(ax1)
    _time_axis(ax2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


SOURCES = (("pv_power_w", "PV", "#f6c200"), ("grid_import_w", "grid import", "#8c8c8c"),
           ("battery_discharge_w", "battery discharge", "#1a9850"))
SINKS = (("load_power_w", "household", "#4575b4"), ("miner_power_w", "miners", "#d73027"),
         ("hp_power_w", "heat pump", "#984ea3"), ("pump_power_w", "pumps", "#80cdc1"),
         ("battery_charge_w", "battery charge", "#a6d96a"), ("grid_export_w", "grid export", "#bababa"))


def _plot_power(path: Path, series: dict[str, np.ndarray]) -> None:
    names = [s[0] for s in SOURCES + SINKS] + ["battery_soc_pct"]
    t, c = _downsample(np.asarray(series["t_utc_s"], dtype=float), {k: series[k] for k in names})
    x = _dates(t)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(13, 7.5), sharex=True, height_ratios=(4, 1))
    ax1.stackplot(x, *[c[n] / 1000.0 for n, _, _ in SOURCES], labels=[lbl for _, lbl, _ in SOURCES],
                  colors=[col for _, _, col in SOURCES], alpha=0.9)
    ax1.stackplot(x, *[-c[n] / 1000.0 for n, _, _ in SINKS], labels=[lbl for _, lbl, _ in SINKS],
                  colors=[col for _, _, col in SINKS], alpha=0.9)
    ax1.axhline(0.0, color="black", lw=0.8)
    ax1.set_ylabel("kW   (sources + / uses -)")
    ax1.set_title("Electrical power flows")
    ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax2.plot(x, c["battery_soc_pct"], color="#1a9850")
    ax2.set_ylim(0.0, 100.0)
    ax2.set_ylabel("SoC %")
    _time_axis(ax1)
    _time_axis(ax2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def daily_energy_kwh(series: dict[str, np.ndarray], names: tuple[str, ...],
                     utc_offset_h: float = 0.0) -> tuple[list[dt.date], dict[str, np.ndarray]]:
    """Energy per calendar day [kWh] of each power column (days in UTC + ``utc_offset_h``)."""
    t = np.asarray(series["t_utc_s"], dtype=float)
    dts = intervals_s(t)
    day = np.floor((t - 0.5 * dts + utc_offset_h * 3600.0) / 86400.0).astype(np.int64)
    days, idx = np.unique(day, return_inverse=True)
    out = {n: np.bincount(idx, weights=np.asarray(series[n], dtype=float) * dts) / J_PER_KWH for n in names}
    return [dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in days], out


def group_days(days: list[dt.date], energy: dict[str, np.ndarray]):
    """Keep days for runs up to 31 days, else sum into ISO weeks (<= 26 weeks) or months.

    Returns (period start dates, energy per period [kWh], unit name).
    """
    if len(days) <= 31:
        return days, energy, "day"
    if len(days) <= 26 * 7:
        unit, keys = "week", [d - dt.timedelta(days=d.weekday()) for d in days]
    else:
        unit, keys = "month", [d.replace(day=1) for d in days]
    starts = sorted(set(keys))
    idx = np.array([starts.index(k) for k in keys])
    return starts, {n: np.bincount(idx, weights=v, minlength=len(starts)) for n, v in energy.items()}, unit


def _plot_daily(path: Path, series: dict[str, np.ndarray], utc_offset_h: float) -> None:
    bars = (("pv_power_w", "PV", "#f6c200"), ("grid_import_w", "import", "#8c8c8c"),
            ("grid_export_w", "export", "#bababa"), ("load_power_w", "household", "#4575b4"),
            ("miner_power_w", "miners", "#d73027"), ("hp_power_w", "heat pump el.", "#984ea3"),
            ("hp_heat_w", "heat pump heat", "#cab2d6"))
    days, e = daily_energy_kwh(series, tuple(b[0] for b in bars), utc_offset_h)
    days, e, unit = group_days(days, e)
    fig, ax = plt.subplots(figsize=(12, 5))
    x = np.arange(len(days))
    width = 0.8 / len(bars)
    for j, (name, label, color) in enumerate(bars):
        ax.bar(x + (j - len(bars) / 2 + 0.5) * width, e[name], width, label=label, color=color)
    step = max(1, len(days) // 20)
    ax.set_xticks(x[::step])
    fmt = "%Y-%m" if unit == "month" else "%m-%d"
    ax.set_xticklabels([d.strftime(fmt) for d in days][::step], rotation=0)
    ax.set_ylabel(f"kWh per {unit}")
    ax.set_title(f"Energy per {unit}" + ("" if unit == "day" else f" (starting {days[0].isoformat()})"))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _write_csv(path: Path, series: dict[str, np.ndarray]) -> None:
    names = ["t_utc_s"] + [n for n in series if n != "t_utc_s"]
    data = np.column_stack([np.asarray(series[n], dtype=float) for n in names])
    fmts = ["%.3f"] + ["%.7g"] * (len(names) - 1)  # times to the millisecond, values to 7 digits
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt=fmts)


def write_report(out_dir: str | Path, series: dict[str, np.ndarray], meta: dict) -> Path:
    """Write summary.md, timeseries.csv, temperatures.png, power_flows.png, daily_energy.png.

    Parameters
    ----------
    out_dir : directory (created if missing)
    series : equal-length columns; at least ``REQUIRED_COLUMNS`` (powers [W], temps [°C],
        battery_soc_pct [%], scan_cost_s [s], trips_latched [count]); extra columns go to the CSV.
    meta : site, period, weather_file, scan_period_s, trip_events (list of str),
        cycle_stats (dict), room_setpoint_c (default 21), utc_offset_h (default 1) - all optional.

    Returns
    -------
    Path of summary.md.

    Raises
    ------
    ReportError
        Missing columns, unequal lengths, fewer than 2 rows or unsorted times (nothing written).
    """
    _check(series)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kpis = compute_kpis(series, meta)
    summary = out / "summary.md"
    summary.write_text(_summary(kpis, meta, series), encoding="utf-8")
    _write_csv(out / "timeseries.csv", series)
    _plot_temperatures(out / "temperatures.png", series)
    _plot_power(out / "power_flows.png", series)
    _plot_daily(out / "daily_energy.png", series, float(meta.get("utc_offset_h", 1.0)))
    return summary
