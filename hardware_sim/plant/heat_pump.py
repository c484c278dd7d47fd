"""Buderus Logatherm WLW186i-7 AR: performance map, modulation, cycling, backup heater, SG-Ready.

Performance map (all temperatures in °C, powers in W)

Full load at the reference flow temperature ``full_load_flow_c`` = 35 °C: the manufacturer's
maximum-output points A-10/-7/+2/+7 W35 = 5.86/6.71/7.09/7.97 kW with COP 2.23/2.36/2.83/3.07
(Bosch documents 6721840669, quoted by bosch-buderus-wp ``_docs/Varianten.md``; A-10 equals the
Heat Pump Keymark Pdh(TOL) of "Logatherm WLW186i-7 AR E"), linearly interpolated in T_out
(held beyond the ends). Above 35 °C flow the maximum output falls by ``capacity_derate_per_k``
= (1 - 5.21/5.86)/20 K (Keymark Pdh(TOL) at the 55 °C vs the 35 °C application)::

    Q_max(T_out, T_flow) = Q_fl(T_out) (1 - d max(0, T_flow - 35))
    Q_min = min_modulation_frac Q_max          (Keymark Pdh at Tj = +12 °C: 1.85 kW ~ 0.232 Q_max,
                                                where the declared output exceeds the demand)

COP: the full-load COP moves with flow temperature like a Carnot COP with condenser and
evaporator approach temperatures (Carnot-fraction model, oemof-thermal / emoncms heat-pump model),
times a part-load factor f(PLR), PLR = Q/Q_max::

    COP_C(T_out, T_flow) = T_c / (T_c - T_e),  T_c = T_flow + dT_c + 273.15,  T_e = T_out - dT_e + 273.15
    eta_fl,i = COP_fl,i / COP_C(T_out,i, 35)           (Carnot fraction at each full-load point)
    COP(T_out, T_flow, PLR) = eta_fl(T_out) * COP_C(T_out, T_flow) * f(PLR)

eta_fl is interpolated linearly in T_out and held beyond the ends (so above +7 °C the COP still
rises with the outdoor temperature, at every flow temperature).

f is piecewise linear in PLR (knots ``part_load_ratio_knots``). dT_c = 6 K, dT_e = 8.5 K (chosen on a 0.5 K grid) and the
knot values are a minimax fit (:func:`fit_part_load`, a linear programme) to the 10 Keymark EN 14825
average-climate part-load points (Tj = -10/-7/+2/+7/+12 °C, 35 °C and 55 °C applications,
``data/keymark_Buderus_Logatherm_WLW_MB-4_5_7_AR.csv``) plus the 4 full-load points: every point
within 3.9 % (tests/plant/test_heat_pump.py asserts < 5 %). The flow temperatures of the Keymark
points are the EN 14825 variable-outlet temperatures of the average climate (35 °C application:
35/34/30/27/24 °C; 55 °C: 55/52/42/36/30 °C at Tj = -10/-7/+2/+7/+12 °C). The COP rises with the
outdoor temperature and falls with the flow temperature everywhere. Defrost is inside the
Keymark/datasheet COPs (measured with it), not modelled separately.

Envelope: the maximum flow temperature is interpolated over ``envelope_outdoor_c`` /
``envelope_max_flow_c`` (75 °C = Keymark WTOL down to -10 °C; 65 °C at -20 °C *assumed*);
below ``min_outdoor_temp_c`` the compressor is locked out.

Operation (the unit's own controller; *assumed* where not cited): while the compressor runs it
modulates to the flow set point ``target + charge_margin_k``. The delivered heat raises the water
on the way through; where the water goes decides the flow temperature: direct charge (buffer via
P4) ``T_flow = T_return + Q/(m c_p)``; through the DHW coil ``T_flow = T_tank + Q/G_coil`` with the
coil conductance G_coil = eps m c_p, eps = 1 - exp(-UA_coil/(m c_p)) (coil as a heat exchanger
with an isothermal tank side). Q is clamped to [Q_min, Q_max(T_flow)] and to the envelope, with
Q_max taken at the flow temperature it produces (two fixed-point passes). Cycling loss:
after a start the heat ramps as ``1 - exp(-t_on/start_tau_s)`` while the electrical power is
already that of the requested output (start-up of compressor and refrigerant circuit, EN 14825
uses a degradation coefficient Cd = 0.9 for the same effect). Minimum run and off times are kept
(docs/SOURCES.md S-HARDWARE / Modelica Buildings ``Controls.Safety.OnOff``).

Backup heater (inline electric heater, ``backup_heater_w`` *assumed* 3 kW first stage): switched
on when the under-temperature integral ∫(target - T_sensor) dt while there is demand exceeds
``backup_delay_k_s`` (Buderus "Verzögerung Heizung", default 600 K·min = 36,000 K·s), and alone
when the compressor is locked out below ``min_outdoor_temp_c``; off when the target is reached.

SG-Ready (docs/SOURCES.md S-HARDWARE): (in1, in4) = (1, 0) EVU block: off, heater too; (0, 0) normal;
(0, 1) boost: target + ``boost_k``; (1, 1) forced: run until target + ``forced_extra_k`` (with the
backup heater if ``forced_uses_backup``, BWP state 4 variant 2).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hardware_sim.plant.params import HeatPumpParams

KEYMARK_MODEL = "Logatherm WLW186i-7 AR E"
# EN 14825 Tj [°C] -> (varName Pdh, varName COP); hplib hplib_database.py naming.
_TJ_VARS = {
    -10.0: ("EN14825_018", "EN14825_019"),
    -7.0: ("EN14825_008", "EN14825_009"),
    2.0: ("EN14825_010", "EN14825_011"),
    7.0: ("EN14825_012", "EN14825_013"),
    12.0: ("EN14825_014", "EN14825_015"),
}
# Keymark temperature code -> EN 14825 average-climate outlet temperature per Tj [°C].
_FLOW_BY_APP = {
    "4": {-10.0: 35.0, -7.0: 34.0, 2.0: 30.0, 7.0: 27.0, 12.0: 24.0},
    "5": {-10.0: 55.0, -7.0: 52.0, 2.0: 42.0, 7.0: 36.0, 12.0: 30.0},
}
AVERAGE_CLIMATE = "3"
KELVIN = 273.15

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
    values = {
        (r["varName"], r["temperature"]): float(r["value"])
        for r in rows
        if r["modelID"] == model_id and r["climate"] == AVERAGE_CLIMATE
    }
    points = []
    for app, flows in _FLOW_BY_APP.items():
        for tj, (var_pdh, var_cop) in _TJ_VARS.items():
            try:
                points.append(KeymarkPoint(tj, flows[tj], values[(var_pdh, app)] * 1000.0, values[(var_cop, app)]))
            except KeyError as err:
                raise ValueError(f"{path}: {model}: missing {err.args[0]}") from None
    return points


def full_load_points(p: HeatPumpParams) -> list[KeymarkPoint]:
    """The datasheet full-load points of the parameters, as points at ``full_load_flow_c``."""
    return [
        KeymarkPoint(t, p.full_load_flow_c, q, c)
        for t, q, c in zip(p.full_load_outdoor_c, p.full_load_heat_w, p.full_load_cop, strict=True)
    ]


def _interp(x: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    """Piecewise-linear interpolation, held beyond the ends (scalar, no allocation)."""
    if x <= xs[0]:
        return ys[0]
    for i in range(1, len(xs)):
        if x <= xs[i]:
            f = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
            return ys[i - 1] + (ys[i] - ys[i - 1]) * f
    return ys[-1]


def max_flow_c(p: HeatPumpParams, outdoor_temp_c: float) -> float:
    """Highest flow temperature of the envelope at this outdoor temperature [°C]."""
    return _interp(outdoor_temp_c, p.envelope_outdoor_c, p.envelope_max_flow_c)


def capacity_max_w(p: HeatPumpParams, outdoor_temp_c: float, flow_temp_c: float) -> float:
    """Full-load heating output Q_max [W] (module docstring)."""
    base = _interp(outdoor_temp_c, p.full_load_outdoor_c, p.full_load_heat_w)
    excess = flow_temp_c - p.full_load_flow_c
    return base * (1.0 - p.capacity_derate_per_k * excess) if excess > 0.0 else base


def capacity_min_w(p: HeatPumpParams, outdoor_temp_c: float, flow_temp_c: float) -> float:
    """Lowest modulated output Q_min [W]; below it the unit cycles."""
    return p.min_modulation_frac * capacity_max_w(p, outdoor_temp_c, flow_temp_c)


def carnot_cop(p: HeatPumpParams, outdoor_temp_c: float, flow_temp_c: float) -> float:
    """COP_C with the approach temperatures [-] (module docstring)."""
    t_c = flow_temp_c + p.condenser_approach_k + KELVIN
    t_e = outdoor_temp_c - p.evaporator_approach_k + KELVIN
    return t_c / max(t_c - t_e, 1.0)


def cop(p: HeatPumpParams, outdoor_temp_c: float, flow_temp_c: float, part_load_ratio: float = 1.0) -> float:
    """COP at outdoor and flow temperature and part-load ratio Q/Q_max [-], at least 1."""
    etas = _full_load_etas(p)
    eta = _interp(outdoor_temp_c, p.full_load_outdoor_c, etas)
    factor = _interp(part_load_ratio, p.part_load_ratio_knots, p.part_load_cop_factor)
    return max(1.0, eta * carnot_cop(p, outdoor_temp_c, flow_temp_c) * factor)


_ETA_CACHE: dict[int, tuple[HeatPumpParams, tuple[float, ...]]] = {}


def _full_load_etas(p: HeatPumpParams) -> tuple[float, ...]:
    """Carnot fractions eta_fl = COP_fl / COP_C(T_out, 35) at the full-load points (cached)."""
    hit = _ETA_CACHE.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    etas = tuple(
        c / carnot_cop(p, t, p.full_load_flow_c) for t, c in zip(p.full_load_outdoor_c, p.full_load_cop, strict=True)
    )
    _ETA_CACHE[id(p)] = (p, etas)
    return etas


def fit_part_load(p: HeatPumpParams, points: list[KeymarkPoint]) -> tuple[float, ...]:
    """Minimax fit of the part-load factors at ``p.part_load_ratio_knots``.

    Minimises max |COP_model/COP - 1| over ``points`` plus the full-load points of ``p``
    (a linear programme, scipy ``linprog``), with the approach temperatures of ``p``.
    """
    from scipy.optimize import linprog  # only needed to refit

    knots = p.part_load_ratio_knots
    rows = []
    for pt in points + full_load_points(p):
        plr = min(1.0, pt.heat_w / capacity_max_w(p, pt.outdoor_temp_c, pt.flow_temp_c))
        base = cop(
            p.model_copy(update={"part_load_cop_factor": (1.0,) * len(knots)}), pt.outdoor_temp_c, pt.flow_temp_c, plr
        )
        hat = np.array([np.interp(plr, knots, unit) for unit in np.eye(len(knots))])
        rows.append(hat * base / pt.cop)
    x = np.array(rows)
    m, n = x.shape
    a_ub = np.block([[x, -np.ones((m, 1))], [-x, -np.ones((m, 1))]])
    b_ub = np.r_[np.ones(m), -np.ones(m)]
    res = linprog(np.r_[np.zeros(n), 1.0], A_ub=a_ub, b_ub=b_ub, bounds=[(0.0, None)] * (n + 1))
    if not res.success:
        raise ValueError(f"part-load fit failed: {res.message}")
    return tuple(float(v) for v in res.x[:n])


def sg_mode(sg_in1: bool, sg_in4: bool) -> str:
    """SG-Ready state from the two contacts: ``block``, ``normal``, ``boost`` or ``forced``."""
    if sg_in1:
        return FORCED if sg_in4 else BLOCK
    return BOOST if sg_in4 else NORMAL


def heating_curve_c(p: HeatPumpParams, outdoor_temp_c: float, setback_k: float = 0.0) -> float | None:
    """The heat pump's own heating curve: flow target [°C], ``None`` above the heating limit.

    T_flow = T_room + (T_design_flow - T_room) * ((T_room - T_out)/(T_room - T_design_out))^(1/n)
    (the usual radiator characteristic; n = ``curve_exponent``), at least ``min_flow_c``;
    T_room = ``room_setpoint_c - setback_k`` (night setback lowers the whole curve).
    """
    if outdoor_temp_c >= p.heating_limit_c:
        return None
    room = p.room_setpoint_c - setback_k
    ratio = max(0.0, (room - outdoor_temp_c) / (p.room_setpoint_c - p.design_outdoor_c))
    flow = room + (p.design_flow_c - p.room_setpoint_c) * ratio ** (1.0 / p.curve_exponent)
    return max(p.min_flow_c, flow)


def tank_target_c(
    p: HeatPumpParams, to_dhw: bool, mode: str, outdoor_temp_c: float, setback_k: float = 0.0
) -> float | None:
    """Temperature the HP heats the routed tank to [°C]; ``None`` = no demand."""
    if mode == BLOCK:
        return None
    if to_dhw:
        base = p.dhw_target_c
    else:
        curve = heating_curve_c(p, outdoor_temp_c, setback_k)
        if curve is None:
            return None
        base = curve + p.buffer_offset_k
    if mode == BOOST:
        base += p.boost_k
    elif mode == FORCED:
        base += p.forced_extra_k
    return min(base, p.max_flow_temp_c - 5.0)


def thermostat(
    p: HeatPumpParams,
    running: bool,
    in_state_s: float,
    mode: str,
    target_c: float | None,
    tank_temp_c: float,
    flow_ok: bool,
) -> bool:
    """Whether the unit heats in the next substep (hysteresis + minimum run/off times).

    Starts when the tank sensor is ``hysteresis_k`` below the target (forced mode: any amount
    below), stops at the target. Minimum run and off times are kept except that an EVU block,
    missing flow or no demand stop it at once.
    """
    if mode == BLOCK or target_c is None or not flow_ok:
        return False
    if running:
        return in_state_s < p.min_run_s or tank_temp_c < target_c
    if in_state_s < p.min_off_s:
        return False
    start_below = 0.5 if mode == FORCED else p.hysteresis_k
    return tank_temp_c < target_c - start_below


def operate(
    p: HeatPumpParams,
    outdoor_temp_c: float,
    base_temp_c: float,
    conductance_w_k: float,
    set_flow_c: float,
    on_s: float,
    compressor: bool,
    heater: bool,
) -> tuple[float, float, float]:
    """Heat, electrical power and flow temperature of a running unit over one substep.

    Parameters
    ----------
    base_temp_c : return temperature (direct charge) or coil tank temperature [°C]
    conductance_w_k : m c_p (direct charge) or the coil's eps m c_p [W/K]; T_flow = base + Q/G
    set_flow_c : flow set point [°C]
    on_s : seconds since the compressor started (cycling loss)
    compressor, heater : compressor allowed / backup heater on

    Returns
    -------
    (heat_w, electrical_w, flow_temp_c) ; standby power is not included.
    """
    t_max = max_flow_c(p, outdoor_temp_c)
    limit_c = set_flow_c if set_flow_c < t_max else t_max
    need = conductance_w_k * (limit_c - base_temp_c)
    q = el = 0.0
    if compressor and need > 0.0:
        q_cap = conductance_w_k * (t_max - base_temp_c)  # envelope: the flow may not exceed t_max
        t_flow = limit_c
        for _ in range(2):  # the output depends on the flow temperature it produces: two passes
            q_max = capacity_max_w(p, outdoor_temp_c, t_flow)
            q_min = p.min_modulation_frac * q_max
            q_req = need if need > q_min else q_min
            if q_req > q_max:
                q_req = q_max
            if q_req > q_cap:
                q_req = q_cap
            t_flow = base_temp_c + q_req / conductance_w_k
        if q_req > 0.0:
            el = q_req / cop(p, outdoor_temp_c, t_flow, q_req / q_max)
            q = q_req * -math.expm1(-on_s / p.start_tau_s) if p.start_tau_s > 0.0 else q_req
    if heater:
        q += p.backup_heater_w
        el += p.backup_heater_w
    return q, el, base_temp_c + q / conductance_w_k
