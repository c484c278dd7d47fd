"""Buderus Logatherm WLW186i-7 AR: COP and capacity fits, SG-Ready mode, own thermostat.

COP model (fitted by :func:`fit_cop` to Heat Pump Keymark data, file
``data/keymark_Buderus_Logatherm_WLW_MB-4_5_7_AR.csv``, model "Logatherm WLW186i-7 AR E",
average climate, EN 14825 part-load points Tj = -7/+2/+7/+12 °C and TOL = -10 °C, for the
35 °C and 55 °C applications)::

    COP = c0 + c1 T_out + c2 T_flow + c3 T_out T_flow, clamped to [cop_min, cop_max]

The flow temperatures of those points are the EN 14825 "variable outlet" temperatures of the
average climate (35 °C application: 35/34/30/27/24 °C; 55 °C application: 55/52/42/36/30 °C
at Tj = -10/-7/+2/+7/+12 °C) [recalled from EN 14825 Table; UNVERIFIED, see hardware.md §1.3].
Max. fit error on the 10 points: 8.6 % (tests/plant/test_heat_pump.py asserts <= 10 %).

Capacity (full load) [W]: a line through the manufacturer full-load points at W35
(A-10 5.86 kW, A-7 6.71, A2 7.09, A7 7.97 kW; bosch-buderus-wp ``_docs/Varianten.md``, quoted
in hardware.md §1.2; the A-10 value equals Keymark Pdh(TOL) 5.86 kW), derated linearly above
35 °C flow by ``capacity_derate_per_k`` = (1 - 5.21/5.86)/20 K = 0.0055/K (Keymark Pdh(TOL)
at 55 °C vs 35 °C). Part-load COPs are used at full load, so COP is slightly optimistic
at low outdoor temperature. Defrost is not modelled.

The heating curve and the heating limit use a damped outdoor temperature (first order,
``outdoor_damping_tau_s``, assumed 4 h; Buderus delays the summer/winter switch by 3-5 h,
hardware.md §1.7), kept in ``HeatPumpState.outdoor_damped_c``.

SG-Ready (hardware.md §1.5): (in1, in4) = (1, 0) EVU block: off; (0, 0) normal;
(0, 1) boost: target + ``boost_k``; (1, 1) forced: run until target + ``forced_extra_k``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hardware_sim.plant.params import HeatPumpParams

KEYMARK_MODEL = "Logatherm WLW186i-7 AR E"
# EN 14825 Tj [°C] -> (varName Pdh, varName COP); hplib hplib_database.py naming.
_TJ_VARS = {-10.0: ("EN14825_018", "EN14825_019"), -7.0: ("EN14825_008", "EN14825_009"),
            2.0: ("EN14825_010", "EN14825_011"), 7.0: ("EN14825_012", "EN14825_013"),
            12.0: ("EN14825_014", "EN14825_015")}
# Keymark temperature code -> EN 14825 average-climate outlet temperature per Tj [°C].
_FLOW_BY_APP = {"4": {-10.0: 35.0, -7.0: 34.0, 2.0: 30.0, 7.0: 27.0, 12.0: 24.0},
                "5": {-10.0: 55.0, -7.0: 52.0, 2.0: 42.0, 7.0: 36.0, 12.0: 30.0}}
AVERAGE_CLIMATE = "3"

BLOCK, NORMAL, BOOST, FORCED = "block", "normal", "boost", "forced"


@dataclass(frozen=True)
class KeymarkPoint:
    """One Keymark EN 14825 point: outdoor [°C], flow [°C], heat [W], COP [-]."""

    outdoor_temp_c: float
    flow_temp_c: float
    heat_w: float
    cop: float


def keymark_points(path: str | Path, model: str = KEYMARK_MODEL) -> list[KeymarkPoint]:
    """Read the average-climate EN 14825 points of ``model`` from an hplib Keymark CSV.

    Raises
    ------
    ValueError
        Model not in the file, or a point missing.
    """
    rows = list(csv.DictReader(Path(path).open(encoding="utf-8")))
    ids = {r["modelID"] for r in rows if r["varName"] == "title" and r["value"] == model}
    if len(ids) != 1:
        raise ValueError(f"{path}: model {model!r} found {len(ids)} times, expected once")
    model_id = ids.pop()
    values = {(r["varName"], r["temperature"]): float(r["value"]) for r in rows
              if r["modelID"] == model_id and r["climate"] == AVERAGE_CLIMATE}
    points = []
    for app, flows in _FLOW_BY_APP.items():
        for tj, (var_pdh, var_cop) in _TJ_VARS.items():
            try:
                points.append(KeymarkPoint(tj, flows[tj], values[(var_pdh, app)] * 1000.0,
                                           values[(var_cop, app)]))
            except KeyError as err:
                raise ValueError(f"{path}: {model}: missing {err.args[0]}") from None
    return points


def fit_cop(points: list[KeymarkPoint]) -> tuple[float, float, float, float]:
    """Least-squares fit of (c0, c1, c2, c3) in COP = c0 + c1 To + c2 Tf + c3 To Tf."""
    to = np.array([p.outdoor_temp_c for p in points])
    tf = np.array([p.flow_temp_c for p in points])
    cop = np.array([p.cop for p in points])
    coef, *_ = np.linalg.lstsq(np.c_[np.ones_like(to), to, tf, to * tf], cop, rcond=None)
    return tuple(float(c) for c in coef)  # type: ignore[return-value]


def cop(p: HeatPumpParams, outdoor_temp_c: float, flow_temp_c: float) -> float:
    """COP at outdoor and flow temperature [-] (see module docstring)."""
    c0, c1, c2, c3 = p.cop_coef
    value = c0 + c1 * outdoor_temp_c + c2 * flow_temp_c + c3 * outdoor_temp_c * flow_temp_c
    return min(p.cop_max, max(p.cop_min, value))


def capacity_w(p: HeatPumpParams, outdoor_temp_c: float, flow_temp_c: float) -> float:
    """Full-load heating capacity [W] (see module docstring); never below ``capacity_min_w``."""
    base = p.capacity_w_at_0c + p.capacity_slope_w_per_k * outdoor_temp_c
    derate = 1.0 - p.capacity_derate_per_k * max(0.0, flow_temp_c - 35.0)
    return max(p.capacity_min_w, base * derate)


def sg_mode(sg_in1: bool, sg_in4: bool) -> str:
    """SG-Ready state from the two contacts: ``block``, ``normal``, ``boost`` or ``forced``."""
    if sg_in1:
        return FORCED if sg_in4 else BLOCK
    return BOOST if sg_in4 else NORMAL


def heating_curve_c(p: HeatPumpParams, outdoor_temp_c: float) -> float | None:
    """The heat pump's own heating curve: flow target [°C], ``None`` above the heating limit.

    T_flow = T_room + (T_design_flow - T_room) * ((T_room - T_out)/(T_room - T_design_out))^(1/n)
    (the usual radiator characteristic; n = ``curve_exponent``), at least ``min_flow_c``.
    """
    if outdoor_temp_c >= p.heating_limit_c:
        return None
    ratio = max(0.0, (p.room_setpoint_c - outdoor_temp_c) / (p.room_setpoint_c - p.design_outdoor_c))
    flow = p.room_setpoint_c + (p.design_flow_c - p.room_setpoint_c) * ratio ** (1.0 / p.curve_exponent)
    return max(p.min_flow_c, flow)


def tank_target_c(p: HeatPumpParams, to_dhw: bool, mode: str, outdoor_temp_c: float) -> float | None:
    """Temperature the HP heats the routed tank to [°C]; ``None`` = no demand."""
    if mode == BLOCK:
        return None
    if to_dhw:
        base = p.dhw_target_c
    else:
        curve = heating_curve_c(p, outdoor_temp_c)
        if curve is None:
            return None
        base = curve + p.buffer_offset_k
    if mode == BOOST:
        base += p.boost_k
    elif mode == FORCED:
        base += p.forced_extra_k
    return min(base, p.max_flow_temp_c - 5.0)


def thermostat(p: HeatPumpParams, running: bool, in_state_s: float, mode: str,
               target_c: float | None, tank_temp_c: float, flow_ok: bool) -> bool:
    """Whether the compressor runs in the next substep (hysteresis + minimum run/off times).

    Starts when the tank sensor is ``hysteresis_k`` below the target (forced mode: any amount
    below), stops at the target. Minimum run and off times are kept except that an EVU block,
    missing flow or the outdoor operating limit stop it at once.
    """
    if mode == BLOCK or target_c is None or not flow_ok:
        return False
    if running:
        return in_state_s < p.min_run_s or tank_temp_c < target_c
    if in_state_s < p.min_off_s:
        return False
    start_below = 0.5 if mode == FORCED else p.hysteresis_k
    return tank_temp_c < target_c - start_below
