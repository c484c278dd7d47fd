"""The house: two thermal nodes (room air + building mass), emitters with thermostatic valves.

Nodes (a 2R2C reduction of ISO 13790's 5R1C, Modelica ``Buildings.ThermalZones.ISO13790``)::

    C_a dT_a/dt = Q_em + Q_int - H_ao (T_a - T_out) - H_am (T_a - T_m)
    C_m dT_m/dt = Q_sol + H_am (T_a - T_m) - H_mo (T_m - T_out)

T_a room air [°C], T_m building mass [°C]; H_ao = windows + ventilation, H_mo = opaque envelope,
H_am = air-to-mass surface coupling (ISO 13790: h_ms = 9.1 W/(m²K) x A_m). The steady-state loss
is H (T_a - T_out) with H = H_ao + H_am H_mo / (H_am + H_mo) = ``h_w_k`` (TABULA-derived 190-250
W/K for a refurbished 1970s-90s German single-family house, docs/SOURCES.md S-HARDWARE; split and C_a
*assumed*); C_m = 24 MJ/K (45 Wh/(m²K) x 150 m², TABULA "medium"). Emitter and internal gains go
to the air, solar gains through the glazing to the mass.

Over one substep the inputs are held, so the exact solution of the linear system is used::

    x = (T_a, T_m),  dx/dt = A x + b,  x_eq = -A^-1 b
    x(h) = x_eq + E (x0 - x_eq),             E = expm(A h)
    mean x = x_eq + M (x0 - x_eq),           M = A^-1 (E - I) / h

E and M are computed once per (parameters, h) from the eigenvalues of the 2x2 matrix.

Emitters (EN 442 characteristic, radiators n = 1.3)::

    Q = UA_em (T_mean_water - T_air)^n,   Q = m_dot c_p (T_supply - T_return)

solved for T_return with a bracketed Newton iteration. Thermostatic radiator valves (EN 215,
proportional band ``trv_band_k`` = 2 K, *assumed*) scale the flow by
``clamp((T_set + band/2 - T_air) / band, 0, 1)`` around their set point, by default
``trv_offset_k`` = 1 K above the room set point (the controller's room demand switches P5; the
valves only cap overheating). Night setback (``night_setback_k`` between ``night_start_h`` and
``night_end_h`` local time) lowers the heat pump's own heating curve (Buderus "Absenkbetrieb")
and, with ``trv_follow_setback``, the valves too.

Solar gains [W] = sum over facades of area x g x ``window_frame_shading_frac`` x vertical-plane
irradiance (computed with pvlib per hour in :mod:`hardware_sim.plant.pv`).
"""

from __future__ import annotations

import math

from hardware_sim.plant.params import WATER_CP_J_KG_K as CP
from hardware_sim.plant.params import HouseParams

_CACHE: dict[tuple, tuple] = {}


def _matrices(p: HouseParams, h: float):
    """(A entries, E, M) for substep ``h`` [s]; cached per parameter set and h."""
    key = (id(p), h)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is p:
        return hit[1]
    ca, cm = p.air_c_j_k, p.c_j_k
    hao, ham, hmo = p.air_outdoor_w_k, p.air_mass_w_k, p.mass_outdoor_w_k
    a11, a12 = -(hao + ham) / ca, ham / ca
    a21, a22 = ham / cm, -(ham + hmo) / cm
    tr, det = a11 + a22, a11 * a22 - a12 * a21
    disc = math.sqrt(max(tr * tr / 4.0 - det, 0.0))
    l1, l2 = tr / 2.0 + disc, tr / 2.0 - disc  # real, negative, distinct
    # expm(A h) = (e1 (A - l2 I) - e2 (A - l1 I)) / (l1 - l2)  (Sylvester, distinct eigenvalues)
    e1, e2 = math.exp(l1 * h), math.exp(l2 * h)
    # integral_0^h expm(A s) ds / h uses phi(l) = (e^{l h} - 1)/(l h)
    f1, f2 = math.expm1(l1 * h) / (l1 * h), math.expm1(l2 * h) / (l2 * h)

    def combo(g1: float, g2: float) -> tuple[float, float, float, float]:
        d = l1 - l2
        return (
            (g1 * (a11 - l2) - g2 * (a11 - l1)) / d,
            (g1 - g2) * a12 / d,
            (g1 - g2) * a21 / d,
            (g1 * (a22 - l2) - g2 * (a22 - l1)) / d,
        )

    mats = ((a11, a12, a21, a22, det), combo(e1, e2), combo(f1, f2))
    _CACHE[key] = (p, mats)
    return mats


def room_substep(
    p: HouseParams, air_c: float, mass_c: float, outdoor_c: float, air_heat_w: float, mass_heat_w: float, dt_s: float
) -> tuple[float, float, float]:
    """Exact two-node update with held inputs.

    Parameters
    ----------
    air_heat_w : emitter heat + internal gains into the air node [W]
    mass_heat_w : solar gains into the mass node [W]

    Returns
    -------
    (new_air_c, new_mass_c, loss_w) ; loss_w = mean heat to outdoor over the substep [W]
    """
    (a11, a12, a21, a22, det), e, m = _matrices(p, dt_s)
    b1 = (air_heat_w + p.air_outdoor_w_k * outdoor_c) / p.air_c_j_k
    b2 = (mass_heat_w + p.mass_outdoor_w_k * outdoor_c) / p.c_j_k
    xa = -(a22 * b1 - a12 * b2) / det  # x_eq = -A^-1 b
    xm = -(-a21 * b1 + a11 * b2) / det
    da, dm = air_c - xa, mass_c - xm
    new_a = xa + e[0] * da + e[1] * dm
    new_m = xm + e[2] * da + e[3] * dm
    mean_a = xa + m[0] * da + m[1] * dm
    mean_m = xm + m[2] * da + m[3] * dm
    loss = p.air_outdoor_w_k * (mean_a - outdoor_c) + p.mass_outdoor_w_k * (mean_m - outdoor_c)
    return new_a, new_m, loss


def setpoint_c(p: HouseParams, local_hour: float) -> float:
    """Room set point of the thermostatic valves [°C]: ``room_setpoint_c + trv_offset_k``, less the
    night setback when ``trv_follow_setback``."""
    back = p.night_setback_k if (p.trv_follow_setback and p.night(local_hour)) else 0.0
    return p.room_setpoint_c + p.trv_offset_k - back


def valve_open_frac(p: HouseParams, air_c: float, set_c: float) -> float:
    """Thermostatic valve opening 0..1 (proportional band around the set point)."""
    x = (set_c + 0.5 * p.trv_band_k - air_c) / p.trv_band_k
    return 0.0 if x <= 0.0 else (1.0 if x >= 1.0 else x)


def emitter_heat_w(
    p: HouseParams, supply_temp_c: float, room_temp_c: float, flow_frac: float = 1.0
) -> tuple[float, float]:
    """Heat from the emitters and the return temperature with P5 running.

    ``flow_frac`` scales the design flow ``p5_flow_kg_s`` (thermostatic valves).

    Returns
    -------
    (heat_w, return_temp_c) ; (0, supply) when the supply is not warmer than the room or no flow.
    """
    dt_sup = supply_temp_c - room_temp_c
    if dt_sup <= 0.0 or flow_frac <= 0.0:
        return 0.0, supply_temp_c
    mcp = p.p5_flow_kg_s * flow_frac * CP
    n = p.emitter_exponent
    ua = p.emitter_ua_w_k
    if mcp * dt_sup <= ua * (0.5 * dt_sup) ** n:  # the flow cools fully to room temperature
        return mcp * dt_sup, room_temp_c
    lo, hi = 0.0, dt_sup  # bracket for the return excess over room temperature
    x = 0.5 * dt_sup
    for _ in range(30):
        mean = 0.5 * (dt_sup + x)
        g = mcp * (dt_sup - x) - ua * mean**n
        if g > 0.0:
            lo = x
        else:
            hi = x
        dg = -mcp - 0.5 * n * ua * mean ** (n - 1.0)
        x_new = x - g / dg
        if abs(x_new - x) < 1e-7:
            x = x_new
            break
        if not lo < x_new < hi:
            x_new = 0.5 * (lo + hi)
        x = x_new
    return mcp * (dt_sup - x), room_temp_c + x
