"""Stratified water tank: N fully mixed layers of equal mass, top layer first (index 0).

Node balance (hardware.md §6.1; Modelica Buildings ``Fluid.Storage.Stratified``)::

    m_i c_p dT_i/dt = sum of port and interface enthalpy flows (upwind)
                      + G (T_{i-1} - T_i) + G (T_{i+1} - T_i)      (fluid conduction, G = A lambda / h)
                      + UA/N (T_amb - T_i)                          (standing loss, split evenly)
                      + Q_coil,i                                    (heat from a coil/HX)

Ports: *charge streams* enter the top layer and leave from the bottom layer (a direct-flow
charge, e.g. the heat pump through P4, or the secondary side of the miner plate HX); one
*draw stream* leaves from the top and enters at the bottom (the heating circuit, or the DHW
draw with cold water). Temperature inversions are removed by buoyancy mixing: Modelica's
``Buoyancy`` model moves ``k max(T_{i+1} - T_i, 0)^2`` with ``k = m c_p / tau`` and
``tau = 1 s``, which equalises any inversion within about one second; every internal substep
here is at least 0.1 s, so the tau -> 0 limit is applied: inverted neighbours are merged to their
mean (pool-adjacent-violators), which conserves energy exactly.

Integration is explicit Euler per substep; every flux leaves one layer and enters another, so
the discrete energy balance closes to rounding. Stable while ``dt < m_layer / m_dot`` (layer
turnover), which holds for all flows of this plant by orders of magnitude.
"""

from __future__ import annotations

from hardware_sim.plant.params import WATER_CP_J_KG_K as CP


def tank_substep(
    temps_c: tuple[float, ...],
    layer_mass_kg: float,
    conduction_w_k: float,
    ua_w_k: float,
    ambient_temp_c: float,
    charge_kg_s: float,
    charge_enthalpy_w: float,
    draw_kg_s: float,
    draw_inlet_temp_c: float,
    coil_heat_w: float,
    dt_s: float,
) -> tuple[tuple[float, ...], float]:
    """Advance the layer temperatures by one explicit substep.

    Parameters
    ----------
    temps_c : layer temperatures, top first [°C]
    layer_mass_kg : water mass of one layer [kg]
    conduction_w_k : layer-to-layer conduction [W/K]
    ua_w_k : total standing-loss coefficient, split evenly over the layers [W/K]
    ambient_temp_c : air around the tank [°C]
    charge_kg_s : total mass flow of all charge streams (in at top, out at bottom) [kg/s]
    charge_enthalpy_w : sum of ``m_dot c_p T_in`` of the charge streams [W]
    draw_kg_s : draw stream (out at top, in at bottom) [kg/s]
    draw_inlet_temp_c : temperature of the water entering the bottom with the draw [°C]
    coil_heat_w : heat delivered into the bottom layer by a coil [W]
    dt_s : substep [s]

    Returns
    -------
    (new_temps_c, loss_w) : new layer temperatures [°C], standing loss during the step [W]
    """
    n = len(temps_c)
    t = temps_c
    flux = [0.0] * n
    ua_layer = ua_w_k / n
    loss_w = 0.0
    for i in range(n):
        q_loss = ua_layer * (t[i] - ambient_temp_c)
        loss_w += q_loss
        flux[i] -= q_loss
    flux[0] += charge_enthalpy_w - draw_kg_s * CP * t[0]
    flux[n - 1] += draw_kg_s * CP * draw_inlet_temp_c - charge_kg_s * CP * t[n - 1] + coil_heat_w
    f = charge_kg_s - draw_kg_s  # downward interface flow [kg/s]
    for i in range(n - 1):
        upwind = t[i] if f > 0.0 else t[i + 1]
        q = f * CP * upwind + conduction_w_k * (t[i] - t[i + 1])
        flux[i] -= q
        flux[i + 1] += q
    scale = dt_s / (layer_mass_kg * CP)
    new = [t[i] + flux[i] * scale for i in range(n)]
    return mix_inversions(new), loss_w


def mix_inversions(temps_c: list[float]) -> tuple[float, ...]:
    """Merge inverted neighbours (lower layer warmer) into their mean until none is left.

    Equal-mass layers, so the merged temperature is the arithmetic mean; energy is conserved.

    >>> mix_inversions([50.0, 50.0, 50.0, 70.0])
    (55.0, 55.0, 55.0, 55.0)
    """
    if all(temps_c[i] >= temps_c[i + 1] for i in range(len(temps_c) - 1)):
        return tuple(temps_c)  # already stable (the common case)
    blocks: list[list[float]] = []  # [sum_temp, count]
    for temp in temps_c:
        blocks.append([temp, 1.0])
        while len(blocks) > 1 and blocks[-1][0] / blocks[-1][1] > blocks[-2][0] / blocks[-2][1] + 1e-12:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    out: list[float] = []
    for s, c in blocks:
        out.extend([s / c] * int(c))
    return tuple(out)


def tank_energy_j(temps_c: tuple[float, ...], layer_mass_kg: float) -> float:
    """Thermal energy of the tank water relative to 0 °C [J]."""
    return layer_mass_kg * CP * sum(temps_c)
