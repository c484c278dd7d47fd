"""The house: 1R1C room model heated by emitters fed from the buffer top (P5).

Room (hardware.md §6.2)::

    C dT_room/dt = Q_emitter + Q_gains - H (T_room - T_out)

H ~ 250 W/K and C ~ 24 MJ/K (refurbished 1970s-90s German SFH, TABULA-derived; assumed for
ASP1). Over one substep the inputs are held, so the exact first-order solution is used::

    T_eq = T_out + (Q_emitter + Q_gains) / H,   x = H dt / C
    T(dt) = T_eq + (T0 - T_eq) e^-x,   mean T = T_eq + (T0 - T_eq) (1 - e^-x) / x

Emitters (EN 442 characteristic, radiators n = 1.3)::

    Q = UA_em (T_mean_water - T_room)^n,   Q = m_dot c_p (T_supply - T_return)

solved for T_return with a bracketed Newton iteration. UA_em = 180 W/K^1.3 (assumed) sizes
the emitters for the design load 250 W/K x 35 K = 8.75 kW at 45 °C supply with 0.25 kg/s.
Gains: constant internal gains plus ``solar_gain_w_per_pv_w`` x PV power (assumed proxy).
"""

from __future__ import annotations

import math

from hardware_sim.plant.params import WATER_CP_J_KG_K as CP
from hardware_sim.plant.params import HouseParams


def emitter_heat_w(p: HouseParams, supply_temp_c: float, room_temp_c: float) -> tuple[float, float]:
    """Heat from the emitters and the return temperature with P5 running.

    Returns
    -------
    (heat_w, return_temp_c) ; (0, supply) when the supply is not warmer than the room.
    """
    dt_sup = supply_temp_c - room_temp_c
    if dt_sup <= 0.0:
        return 0.0, supply_temp_c
    mcp = p.p5_flow_kg_s * CP
    n = p.emitter_exponent
    ua = p.emitter_ua_w_k
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
        if not lo < x_new < hi:
            x_new = 0.5 * (lo + hi)
        if abs(x_new - x) < 1e-9:
            x = x_new
            break
        x = x_new
    return mcp * (dt_sup - x), room_temp_c + x


def room_substep(p: HouseParams, room_temp_c: float, outdoor_temp_c: float, heat_in_w: float,
                 dt_s: float) -> tuple[float, float]:
    """Exact 1R1C update with held inputs.

    Parameters
    ----------
    heat_in_w : emitter heat + gains [W]

    Returns
    -------
    (new_room_temp_c, loss_w) ; loss_w = H (mean T_room - T_out) over the substep [W]
    """
    t_eq = outdoor_temp_c + heat_in_w / p.h_w_k
    x = p.h_w_k * dt_s / p.c_j_k
    decay = math.exp(-x)
    mean_factor = -math.expm1(-x) / x
    new = t_eq + (room_temp_c - t_eq) * decay
    mean = t_eq + (room_temp_c - t_eq) * mean_factor
    return new, p.h_w_k * (mean - outdoor_temp_c)


def gains_w(p: HouseParams, pv_power_w: float) -> float:
    """Internal plus solar gains [W] (see module docstring)."""
    return p.internal_gains_w + p.solar_gain_w_per_pv_w * pv_power_w
