"""Year KPIs a user compares with peers (hashheat-dispatch, home-heat-pump-simulator style).

Definitions (energies [kWh] = sum of power x interval):

* consumption = household + miners + heat pump (incl. backup heater) + pumps;
* export share = export / PV; self-consumption = (PV - export) / PV;
  self-sufficiency = 1 - import / consumption;
* seasonal COP = heat-pump heat / heat-pump electricity (compressor, standby and backup heater);
* net energy cost = import x grid price - export x feed-in - miner electricity x mining revenue;
  import and export are priced row by row at the tariff in force (columns ``grid_price_eur_kwh``,
  ``feed_in_eur_kwh``: time-of-use slots, no feed-in at negative prices) when the series has
  them, else at the flat prices of :mod:`hardware_sim.report.economics`;
* comfort = degree-hours below target: sum of max(0, target - room) x interval / 3600 [K h],
  target = the zone's scheduled room target (column ``room_target_c``) or else the room set
  point minus the night setback at night, in both cases minus ``comfort_band_k`` (default 1 K);
* trips = events into ``active_unack``; hours latched = time with at least one trip latched;
* heat-pump starts = compressor starts (column ``hp_starts``, per row); switchings per pump and
  per miner contactor from ``meta["pump_switchings"]``/``meta["contactor_switchings"]`` (the
  Wilo limit is 100 a day per pump).
"""

from __future__ import annotations

import math

import numpy as np

from hardware_sim.report.economics import Prices
from hardware_sim.report.series import (
    J_PER_KWH,
    OPTIONAL_POWER_COLUMNS,
    POWER_COLUMNS,
    check_series,
    column,
    intervals_s,
    local_days,
)


def comfort_target_c(series: dict[str, np.ndarray], meta: dict) -> np.ndarray:
    """Room comfort target per row [°C]: the series' ``room_target_c`` (the zone schedule) or the
    set point, minus ``comfort_band_k``; without a zone target the set point is lowered by the night
    setback ``meta["night_setback"] = (k, start_h, end_h)`` (local hours, UTC + ``utc_offset_h``)
    at the interval's midpoint."""
    band_k = float(meta.get("comfort_band_k", 1.0))
    if "room_target_c" in series:
        return np.asarray(series["room_target_c"], dtype=float) - band_k
    t = np.asarray(series["t_utc_s"], dtype=float)
    target = np.full(len(t), float(meta.get("room_setpoint_c", 21.0)) - band_k)
    setback = meta.get("night_setback")
    if setback and setback[0] > 0.0:
        k, start_h, end_h = setback
        hour = ((t - 0.5 * intervals_s(t)) / 3600.0 + float(meta.get("utc_offset_h", 1.0))) % 24.0
        night = (hour >= start_h) | (hour < end_h) if start_h > end_h else (hour >= start_h) & (hour < end_h)
        target = np.where(night, target - k, target)
    return target


def trip_count(events) -> int:
    """Trips among the events: dict events going to ``active_unack``; any other event (a text line) counts one."""
    return sum(1 for e in events if not isinstance(e, dict) or e.get("to") == "active_unack")


def compute_kpis(series: dict[str, np.ndarray], meta: dict, prices: Prices | None = None) -> dict[str, float]:
    """KPIs of a run (energies [kWh], ratios [-], times [h], money [EUR], scan costs [ms], temps [°C]).

    ``meta`` may give room_setpoint_c (21), comfort_band_k (1.0) and trip_events; ``prices``
    defaults to :class:`Prices` (or ``meta["prices"]`` as a dict of its fields).
    """
    check_series(series)
    if prices is None:
        prices = Prices(**meta["prices"]) if "prices" in meta else Prices()
    dts = intervals_s(series["t_utc_s"])

    def kwh(name: str) -> float:
        return float(np.sum(column(series, name) * dts) / J_PER_KWH)

    k = {f"{name[:-2]}_kwh": kwh(name) for name in POWER_COLUMNS + OPTIONAL_POWER_COLUMNS}
    hp_el = k["hp_power_kwh"]
    k["consumption_kwh"] = k["load_power_kwh"] + k["miner_power_kwh"] + hp_el + k["pump_power_kwh"]
    k["seasonal_cop"] = k["hp_heat_kwh"] / hp_el if hp_el > 0.0 else math.nan
    pv = k["pv_power_kwh"]
    k["export_share"] = k["grid_export_kwh"] / pv if pv > 0.0 else math.nan
    k["self_consumption"] = (pv - k["grid_export_kwh"]) / pv if pv > 0.0 else math.nan
    cons = k["consumption_kwh"]
    k["self_sufficiency"] = 1.0 - k["grid_import_kwh"] / cons if cons > 0.0 else math.nan
    if "grid_price_eur_kwh" in series and "feed_in_eur_kwh" in series:
        k["import_cost_eur"] = float(
            np.sum(column(series, "grid_import_w") * dts * column(series, "grid_price_eur_kwh")) / J_PER_KWH
        )
        k["export_revenue_eur"] = float(
            np.sum(column(series, "grid_export_w") * dts * column(series, "feed_in_eur_kwh")) / J_PER_KWH
        )
    else:
        k["import_cost_eur"] = k["grid_import_kwh"] * prices.grid_eur_kwh
        k["export_revenue_eur"] = k["grid_export_kwh"] * prices.feed_in_eur_kwh
    k["mining_revenue_eur"] = k["miner_power_kwh"] * prices.mining_eur_kwh
    k["net_cost_eur"] = k["import_cost_eur"] - k["export_revenue_eur"] - k["mining_revenue_eur"]
    cost_ms = np.asarray(series["scan_cost_s"], dtype=float) * 1000.0
    k["scan_cost_median_ms"] = float(np.median(cost_ms))
    k["scan_cost_p99_ms"] = float(np.percentile(cost_ms, 99))
    k["scan_cost_max_ms"] = float(np.max(cost_ms))
    room = np.asarray(series["room_temp_c"], dtype=float)
    target = comfort_target_c(series, meta)
    k["room_min_c"] = float(np.min(room))
    k["room_max_c"] = float(np.max(room))
    k["hours_room_below"] = float(np.sum(dts[room < target]) / 3600.0)
    k["degree_hours_below"] = float(np.sum(np.clip(target - room, 0.0, None) * dts) / 3600.0)
    latched = np.asarray(series["trips_latched"])
    k["hours_trip_latched"] = float(np.sum(dts[latched > 0]) / 3600.0)
    k["trips"] = float(trip_count(meta.get("trip_events", [])))
    k["operator_resets"] = float(len(meta.get("operator_resets", ())))
    k["duration_h"] = float(np.sum(dts) / 3600.0)
    days = max(k["duration_h"] / 24.0, 1e-9)
    starts = np.asarray(series.get("hp_starts", np.zeros(len(dts))), dtype=float)
    k["hp_starts"] = float(starts.sum())
    k["hp_starts_per_day_max"] = float(np.max(daily_sums(series, starts, float(meta.get("utc_offset_h", 1.0)))))
    pumps = meta.get("pump_switchings") or {}
    k["pump_switchings"] = float(sum(pumps.values()))
    k["pump_switchings_per_day_max"] = float(max(pumps.values(), default=0)) / days
    k["contactor_switchings"] = float(sum((meta.get("contactor_switchings") or {}).values()))
    return k


def daily_sums(series: dict[str, np.ndarray], values: np.ndarray, utc_offset_h: float = 1.0) -> np.ndarray:
    """``values`` summed per local calendar day (UTC + ``utc_offset_h``)."""
    _, idx = np.unique(local_days(series, utc_offset_h), return_inverse=True)
    return np.bincount(idx, weights=values)


def _pct(x: float) -> float:
    return 100.0 * x


#: the KPI table: (label, key, unit, scale, digits, definition); one source for markdown, HTML, compare, sweeps
KPI_ROWS = (
    ("PV generation", "pv_power_kwh", "kWh", None, 1, "AC output of the PV arrays"),
    ("Grid import", "grid_import_kwh", "kWh", None, 1, ""),
    ("Grid export", "grid_export_kwh", "kWh", None, 1, ""),
    ("Export share of generation", "export_share", "%", _pct, 1, "export / PV"),
    ("Self-consumption", "self_consumption", "%", _pct, 1, "(PV - export) / PV"),
    ("Self-sufficiency", "self_sufficiency", "%", _pct, 1, "1 - import / total consumption"),
    ("Household load", "load_power_kwh", "kWh", None, 1, "BDEW H25, without miners/HP/pumps"),
    ("Miners electrical", "miner_power_kwh", "kWh", None, 1, "all miners"),
    ("Miner heat into buffer", "miner_hx_buffer_kwh", "kWh", None, 1, "plate heat exchanger to the buffer tank"),
    ("Miner heat into hot water", "miner_hx_dhw_kwh", "kWh", None, 1, "plate heat exchanger to the DHW tank"),
    ("Heat pump electrical", "hp_power_kwh", "kWh", None, 1, "compressor, standby and backup heater"),
    ("Heat pump heat", "hp_heat_kwh", "kWh", None, 1, "into buffer and DHW"),
    ("Heat pump seasonal COP", "seasonal_cop", "-", None, 2, "HP heat / HP electricity"),
    ("Backup heater", "backup_heater_kwh", "kWh", None, 1, "electric heater of the heat pump"),
    ("Pumps electrical", "pump_power_kwh", "kWh", None, 1, "miner loop, charging and heating pumps"),
    ("House heat", "house_heat_kwh", "kWh", None, 1, "delivered by the emitters"),
    ("DHW heat drawn", "dhw_draw_heat_kwh", "kWh", None, 1, "enthalpy of the draws above cold water"),
    ("Total consumption", "consumption_kwh", "kWh", None, 1, "household + miners + HP + pumps"),
    ("Import cost", "import_cost_eur", "EUR", None, 2, "import x grid price"),
    ("Export revenue", "export_revenue_eur", "EUR", None, 2, "export x feed-in tariff"),
    ("Mining revenue", "mining_revenue_eur", "EUR", None, 2, "miner electricity x revenue per kWh"),
    ("Net energy cost", "net_cost_eur", "EUR", None, 2, "import cost - export revenue - mining revenue"),
    (
        "Comfort: degree-hours below target",
        "degree_hours_below",
        "K h",
        None,
        1,
        "room below its target - 1 K (zone schedule)",
    ),
    ("Hours room below target", "hours_room_below", "h", None, 1, "room below its target - 1 K"),
    ("Room temperature min", "room_min_c", "°C", None, 1, ""),
    ("Room temperature max", "room_max_c", "°C", None, 1, ""),
    ("Heat pump starts", "hp_starts", "-", None, 0, "compressor starts"),
    ("Heat pump starts, busiest day", "hp_starts_per_day_max", "1/d", None, 0, ""),
    ("Pump switchings", "pump_switchings", "-", None, 0, "all pumps, on and off"),
    ("Pump switchings, busiest pump", "pump_switchings_per_day_max", "1/d", None, 1, "mean per day (Wilo: 100/d)"),
    ("Miner contactor switchings", "contactor_switchings", "-", None, 0, "all miners, on and off"),
    ("Trips", "trips", "-", None, 0, "events into active_unack"),
    ("Hours with a trip latched", "hours_trip_latched", "h", None, 1, ""),
    ("Operator resets", "operator_resets", "-", None, 0, "by the simulated operator (plant [operator])"),
    ("Scan cost median", "scan_cost_median_ms", "ms", None, 3, "controller time per scan"),
    ("Scan cost p99", "scan_cost_p99_ms", "ms", None, 3, ""),
)


def fmt(value: float, digits: int = 1) -> str:
    """A figure with thousands separators; NaN reads ``n/a``."""
    return "n/a" if isinstance(value, float) and math.isnan(value) else f"{value:,.{digits}f}"


def kpi_cells(kpis: dict[str, float]) -> list[tuple[str, str, str, str]]:
    """(label, formatted value, unit, definition) per KPI row."""
    rows = []
    for label, key, unit, scale, digits, definition in KPI_ROWS:
        value = kpis[key]
        rows.append((label, fmt(scale(value) if scale else value, digits), unit, definition))
    return rows


def kpi_value(kpis: dict[str, float], key: str) -> float:
    """A KPI in its table unit (ratios in %)."""
    for _, k, _, scale, _, _ in KPI_ROWS:
        if k == key:
            return scale(kpis[key]) if scale else kpis[key]
    return kpis[key]
