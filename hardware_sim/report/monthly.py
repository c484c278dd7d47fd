"""Monthly energy balance: one row per local calendar month, the year's total last."""

from __future__ import annotations

import datetime as dt

import numpy as np

from hardware_sim.report.series import J_PER_KWH, column, intervals_s, local_days

#: (column header, power column) of the monthly table [kWh]
MONTHLY_COLUMNS = (
    ("PV", "pv_power_w"),
    ("import", "grid_import_w"),
    ("export", "grid_export_w"),
    ("battery in", "battery_charge_w"),
    ("battery out", "battery_discharge_w"),
    ("household", "load_power_w"),
    ("miners el.", "miner_power_w"),
    ("miner heat buffer", "miner_hx_buffer_w"),
    ("miner heat DHW", "miner_hx_dhw_w"),
    ("HP el.", "hp_power_w"),
    ("HP heat", "hp_heat_w"),
    ("house heat", "house_heat_w"),
    ("DHW drawn", "dhw_draw_heat_w"),
)


def monthly_balance(
    series: dict[str, np.ndarray], utc_offset_h: float = 1.0, comfort_target_c: float | np.ndarray = 20.0
) -> tuple[list[str], dict[str, np.ndarray]]:
    """Energy per local month [kWh] of every ``MONTHLY_COLUMNS`` entry, the month's COP and its
    degree-hours below ``comfort_target_c`` [K h] (a value or one per row).

    Returns (month labels "YYYY-MM", {header: values per month}); months in time order.
    """
    dts = intervals_s(series["t_utc_s"])
    days = local_days(series, utc_offset_h)
    dates = [dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in np.unique(days)]
    month_of_day = {int(d): f"{x.year:04d}-{x.month:02d}" for d, x in zip(np.unique(days), dates)}
    labels = sorted(set(month_of_day.values()))
    pos = {m: i for i, m in enumerate(labels)}
    idx = np.array([pos[month_of_day[int(d)]] for d in days])
    out = {
        head: np.bincount(idx, weights=column(series, name) * dts, minlength=len(labels)) / J_PER_KWH
        for head, name in MONTHLY_COLUMNS
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        out["COP"] = np.where(
            out["HP el."] > 0.0, out["HP heat"] / np.where(out["HP el."] > 0, out["HP el."], 1), np.nan
        )
    room = np.asarray(series["room_temp_c"], dtype=float)
    out["K h below"] = (
        np.bincount(idx, weights=np.clip(comfort_target_c - room, 0.0, None) * dts, minlength=len(labels)) / 3600.0
    )
    return labels, out


def monthly_rows(labels: list[str], table: dict[str, np.ndarray]) -> tuple[list[str], list[list[str]]]:
    """(header, rows of formatted cells) with a total row; COP of the total = sum heat / sum el."""
    header = ["month"] + list(table)
    rows = []
    for i, label in enumerate(labels):
        rows.append([label] + [_cell(h, v[i]) for h, v in table.items()])
    total = []
    for h, v in table.items():
        if h == "COP":
            el = table["HP el."].sum()
            total.append(_cell(h, table["HP heat"].sum() / el if el > 0 else float("nan")))
        else:
            total.append(_cell(h, float(np.sum(v))))
    rows.append(["total"] + total)
    return header, rows


def _cell(head: str, value: float) -> str:
    if np.isnan(value):
        return "n/a"
    return f"{value:.2f}" if head == "COP" else f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
