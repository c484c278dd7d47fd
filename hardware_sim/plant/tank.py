"""Stratified water tank: N fully mixed layers of equal mass, top layer first (index 0).

Node balance (Modelica Buildings ``Fluid.Storage.Stratified``; TRNSYS Type 4)::

    m_i c_p dT_i/dt = sum_ports m_dot c_p (T_in - T_i) + interface advection
                      + G (T_{i-1} - T_i) + G (T_{i+1} - T_i)      (fluid conduction, G = A lambda / h_layer)
                      + UA/N (T_amb - T_i)                          (standing loss, split evenly)
                      + Q_coil,i                                    (heat from a coil/HX)

Ports: each *stream* enters at one layer and leaves at another (its outlet at the outlet
layer's temperature). The inlet is either a fixed layer (the port's height, see
``TankParams.layer_at``) or, for stratified inlets (a stratification lance / low-velocity
diffuser), the highest layer that is not warmer than the entering water: hot charge water
enters near the top, lukewarm return water in the middle. Between inlet and outlet the stream
moves through the interfaces; the interface mass flows of all streams add up.

Advection across interfaces is a flux-limited (TVD) scheme, the third-order-upwind idea of
Modelica's ``StratifiedEnhanced``/``ThirdOrderStratifier`` in its standard finite-volume form
(LeVeque, *Finite Volume Methods for Hyperbolic Problems*, 2002, ch. 6)::

    T_face = T_up + 0.5 phi(r) (1 - C) (T_down - T_up),  r = (T_up - T_upup) / (T_down - T_up)
    phi = superbee limiter max(0, min(2r, 1), min(r, 2)) (Roe 1986),  C = |m_dot| dt / m_layer (Courant number)

Plain upwind (phi = 0) smears a thermocline over many layers within hours; the limiter keeps it
within about three layers (tests/plant/test_tank_house.py) while staying free of overshoots.
Temperature inversions are removed by buoyancy mixing: Modelica's ``Buoyancy`` model equalises
an inversion within about tau = 1 s, so the tau -> 0 limit is applied after each substep:
inverted neighbours are merged to their mean (pool-adjacent-violators), which conserves energy.

Explicit Euler per substep, stable while C <= 1 (the plant's flows give C < 0.1). Every flux
leaves one layer and enters another, so the discrete energy balance closes to rounding.
"""

from __future__ import annotations

from hardware_sim.plant.params import WATER_CP_J_KG_K as CP


def inlet_layer(temps_c: list[float] | tuple[float, ...], inlet_temp_c: float) -> int:
    """Highest layer (smallest index) not warmer than ``inlet_temp_c``; the bottom if all are."""
    for i, t in enumerate(temps_c):
        if t <= inlet_temp_c:
            return i
    return len(temps_c) - 1


def tank_substep(
    temps_c,
    layer_mass_kg: float,
    conduction_w_k: float,
    ua_w_k: float,
    ambient_temp_c: float,
    streams,
    layer_heat_w,
    dt_s: float,
):
    """Advance the layer temperatures by one explicit substep.

    Parameters
    ----------
    temps_c : sequence of float
        Layer temperatures, top first [°C].
    layer_mass_kg, conduction_w_k : water mass of one layer [kg], layer-to-layer conduction [W/K]
    ua_w_k : standing-loss coefficient of the whole tank, split evenly [W/K]
    ambient_temp_c : air around the tank [°C]
    streams : sequence of (mass_flow_kg_s, inlet_temp_c, inlet_layer, outlet_layer)
        Water entering at ``inlet_layer`` and leaving at ``outlet_layer`` (layers 0..n-1).
    layer_heat_w : sequence of (layer, heat_w) or empty
        Heat put into single layers (coils) [W].
    dt_s : substep [s]

    Returns
    -------
    (new_temps_c, loss_w) : new layer temperatures (tuple) [°C], standing loss [W]
    """
    t = temps_c
    n = len(t)
    ua_layer = ua_w_k / n
    g = conduction_w_k
    # net heat into each layer [W]: standing loss first, then ports, coils and interfaces
    flux = [ua_layer * (ambient_temp_c - x) for x in t]
    loss_w = -sum(flux)
    # downward mass flow through interface k (between k and k+1) [kg/s], built from its
    # differences (+m where a stream starts going down, -m where it stops): one pass, any streams
    step_kg_s = None
    for m, t_in, a, b in streams:
        if m <= 0.0:
            continue
        if step_kg_s is None:
            step_kg_s = [0.0] * n
        flux[a] += m * CP * t_in
        flux[b] -= m * CP * t[b]
        if a < b:
            step_kg_s[a] += m
            step_kg_s[b] -= m
        elif b < a:
            step_kg_s[b] -= m
            step_kg_s[a] += m
    for layer, q in layer_heat_w:
        flux[layer] += q
    # interface k takes q_k out of layer k into layer k+1; each layer's net heat is summed in the
    # order flux, + q_(k-1), - q_k, and the new temperature written in the same pass
    scale = dt_s / (layer_mass_kg * CP)
    out = [0.0] * n
    q_in = None  # heat arriving from the interface above [W] (none at the top)
    if step_kg_s is None:
        upper = t[0]
        for k in range(n - 1):
            lower = t[k + 1]
            q = g * (upper - lower)
            out[k] = upper + ((flux[k] - q) if q_in is None else (flux[k] + q_in - q)) * scale
            q_in = q
            upper = lower
    else:
        courant_per_kg_s = dt_s / layer_mass_kg
        mcp = CP
        f = 0.0
        for k in range(n - 1):
            f += step_kg_s[k]
            tk, tk1 = t[k], t[k + 1]
            q = g * (tk - tk1)
            if f > 1e-15 or f < -1e-15:
                if f > 0.0:  # downward: upstream is layer k
                    up, down = tk, tk1
                    upup = t[k - 1] if k > 0 else up
                    c = f * courant_per_kg_s
                else:
                    up, down = tk1, tk
                    upup = t[k + 2] if k + 2 < n else up
                    c = -f * courant_per_kg_s
                jump = down - up
                tf = up
                if jump != 0.0:
                    r = (up - upup) / jump
                    if r > 0.0:  # superbee: max(min(2r, 1), min(r, 2))
                        phi = r + r if r < 0.5 else (1.0 if r < 1.0 else (r if r < 2.0 else 2.0))
                        tf = up + phi * 0.5 * (1.0 - c) * jump
                q += f * mcp * tf
            out[k] = tk + ((flux[k] - q) if q_in is None else (flux[k] + q_in - q)) * scale
            q_in = q
    last = n - 1
    out[last] = t[last] + (flux[last] if q_in is None else flux[last] + q_in) * scale
    return mix_inversions(out), loss_w


def mix_inversions(temps_c: list[float]) -> tuple[float, ...]:
    """Merge inverted neighbours (lower layer warmer) into their mean until none is left.

    Equal-mass layers, so the merged temperature is the arithmetic mean; energy is conserved.

    >>> mix_inversions([50.0, 50.0, 50.0, 70.0])
    (55.0, 55.0, 55.0, 55.0)
    """
    prev = temps_c[0]
    for x in temps_c:
        if x > prev:
            break
        prev = x
    else:
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
