"""The report's input: equal-length columns on one clock, checked once; energy per day and month.

Row i's powers are the means over the interval (t[i-1], t[i]]; the first row's interval is taken
as long as the second. Energies are sums of power x interval [J] / 3.6e6 = [kWh].
"""

from __future__ import annotations

import datetime as dt

import numpy as np

J_PER_KWH = 3.6e6
TEMPERATURE_COLUMNS = (
    "buffer_top_temp_c",
    "buffer_mid_temp_c",
    "buffer_bottom_temp_c",
    "dhw_temp_c",
    "room_temp_c",
    "outdoor_temp_c",
    "miner_loop_supply_temp_c",
)
POWER_COLUMNS = (
    "pv_power_w",
    "load_power_w",
    "grid_import_w",
    "grid_export_w",
    "battery_charge_w",
    "battery_discharge_w",
    "miner_power_w",
    "miner_heat_w",
    "hp_power_w",
    "hp_heat_w",
    "pump_power_w",
    "house_heat_w",
    "dhw_draw_heat_w",
)
#: optional power columns the plant gives (miner heat split by tank, backup heater); 0 when absent
OPTIONAL_POWER_COLUMNS = (
    "miner_hx_buffer_w",
    "miner_hx_dhw_w",
    "hp_heat_buffer_w",
    "hp_heat_dhw_w",
    "backup_heater_w",
    "unserved_w",
    "pv_curtailed_w",
)
REQUIRED_COLUMNS = (
    ("t_utc_s",) + POWER_COLUMNS + TEMPERATURE_COLUMNS + ("battery_soc_pct", "scan_cost_s", "trips_latched")
)


class ReportError(ValueError):
    """The series cannot be reported; the message names the problem."""


def check_series(series: dict[str, np.ndarray]) -> int:
    """Number of rows of a reportable series. Raises ReportError (missing columns, unequal
    lengths, fewer than 2 rows, times not strictly increasing)."""
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
    if not np.all(np.diff(np.asarray(series["t_utc_s"], dtype=float)) > 0.0):
        raise ReportError("t_utc_s must be strictly increasing")
    return n


def intervals_s(t_utc_s: np.ndarray) -> np.ndarray:
    """Length of each row's interval [s] (first row: same as the second)."""
    d = np.diff(np.asarray(t_utc_s, dtype=float))
    return np.concatenate(([d[0]], d))


def column(series: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A column as float array; an optional power column that is absent reads as zeros."""
    if name not in series and name in OPTIONAL_POWER_COLUMNS:
        return np.zeros(len(series["t_utc_s"]))
    return np.asarray(series[name], dtype=float)


def local_days(series: dict[str, np.ndarray], utc_offset_h: float) -> np.ndarray:
    """Local calendar day number (days since 1970-01-01) of each row's interval midpoint."""
    t = np.asarray(series["t_utc_s"], dtype=float)
    return np.floor((t - 0.5 * intervals_s(t) + utc_offset_h * 3600.0) / 86400.0).astype(np.int64)


def daily_energy_kwh(
    series: dict[str, np.ndarray], names: tuple[str, ...], utc_offset_h: float = 0.0
) -> tuple[list[dt.date], dict[str, np.ndarray]]:
    """Energy per local calendar day [kWh] of each power column (days in UTC + ``utc_offset_h``)."""
    dts = intervals_s(series["t_utc_s"])
    days, idx = np.unique(local_days(series, utc_offset_h), return_inverse=True)
    out = {n: np.bincount(idx, weights=column(series, n) * dts) / J_PER_KWH for n in names}
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
    pos = {k: i for i, k in enumerate(starts)}
    idx = np.array([pos[k] for k in keys])
    return starts, {n: np.bincount(idx, weights=v, minlength=len(starts)) for n, v in energy.items()}, unit
