"""Antminer S19J electrical behaviour and the miner cooling loop (P3, plate HX, RV1).

Electrical model (Braiins OS; *assumed* where no source is cited)
    * Power flows only while the contactor (K1/K2) is closed; opening it drops power to 0 at
      once. After closing, the control board boots for ``boot_time_s`` (assumed 120 s) at
      ``idle_power_w`` (assumed 15 W).
    * Running (not paused), power ramps linearly towards the target at ``ramp_w_per_s``
      (assumed 30 W/s: the Braiins autotuner changes power slowly; docs/SOURCES.md S-BRAIINS). Targets are
      clamped to the Braiins range [power_min_w, power_max_w] (docs/SOURCES.md S-BRAIINS: e.g. [1700, 6500]
      W; site nominal 3250 W).
    * Paused: power falls to idle at once (hashing stops within seconds).
    * Above ``shutdown_board_temp_c`` on a hashboard the miner stops hashing (Braiins
      "dangerous temperature", default 110 °C; docs/SOURCES.md S-BRAIINS) until it is 10 K cooler.
    * All electrical power becomes heat in the cooling water (docs/SOURCES.md S-PLANT).

Thermal model
    Any number N >= 1 of miners sit in parallel on the loop. Each miner is a lumped mass
    (water + heat sink, ``miner_heat_capacity_j_k``, assumed 20 kJ/K) at its outlet
    temperature; the loop is one mixed volume (~30 L, assumed) at the return temperature.
    With P3 on each miner gets 1/N of the loop flow; otherwise only a small
    thermosiphon conductance couples miner and loop, so miners heat up at ~10 K/min at full
    power (what the interlocks must catch). The mixed outlet (``supply``) passes a plate HX
    to the tank RV1 selects (split by valve position during travel)::

        Q_hx = eps * m_dot c_p (T_supply - T_tank_bottom)          (eps = 0.85, assumed)

    Hashboard temperatures = outlet + ``board_offset_k`` x P/P_nominal (+ a fixed spread).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hardware_sim.plant.params import WATER_CP_J_KG_K as CP
from hardware_sim.plant.params import WATER_DENSITY_KG_L, MinerLoopParams, MinerParams

OVERHEAT_CLEAR_K = 10.0


@dataclass(frozen=True, slots=True)
class MinerUnitState:
    """One miner: electrical power at the end of the last step [W], target as commanded [W],
    contactor closed, seconds since it closed, outlet temperature [°C], hashboard temps [°C],
    hashing, over-temperature stop."""

    power_w: float
    target_w: float
    energised: bool
    on_s: float
    outlet_temp_c: float
    board_temps_c: tuple[float, float, float]
    mining: bool
    overheat: bool


def miner_power_substep(
    p: MinerParams,
    unit: MinerUnitState,
    closed: bool,
    run: bool,
    target_w: float,
    dt_s: float,
    override_w: float | None = None,
) -> tuple[float, float, float, bool, bool]:
    """Electrical power of one miner over one substep.

    ``override_w`` (not None) replaces the boot/ramp model while the contactor is closed.

    Returns
    -------
    (avg_power_w, end_power_w, on_s, mining, overheat)
    """
    if not closed:
        return 0.0, 0.0, 0.0, False, False
    prev_on_s = unit.on_s if unit.energised else 0.0
    on_s = prev_on_s + dt_s
    if override_w is not None:
        return override_w, override_w, on_s, override_w > p.idle_power_w, False
    board_max = max(unit.board_temps_c)
    overheat = board_max >= p.shutdown_board_temp_c or (
        unit.overheat and board_max > p.shutdown_board_temp_c - OVERHEAT_CLEAR_K
    )
    if prev_on_s < p.boot_time_s or not run or overheat:
        return p.idle_power_w, p.idle_power_w, on_s, False, overheat
    start = max(unit.power_w if unit.energised else 0.0, p.idle_power_w)
    goal = min(p.power_max_w, max(p.power_min_w, target_w))
    max_delta = p.ramp_w_per_s * dt_s
    if abs(goal - start) <= max_delta:
        # reaches the goal within the substep: ramp part then hold
        frac = abs(goal - start) / max_delta if max_delta > 0.0 else 0.0
        avg = frac * 0.5 * (start + goal) + (1.0 - frac) * goal
        end = goal
    else:
        end = start + max_delta if goal > start else start - max_delta
        avg = 0.5 * (start + end)
    return avg, end, on_s, True, False


def board_temps(p: MinerParams, outlet_temp_c: float, power_w: float) -> tuple[float, float, float]:
    """Hashboard temperatures [°C]: outlet + offset scaled by load, plus a fixed spread."""
    rise = p.board_offset_k * power_w / p.nominal_power_w
    s = p.board_spread_k
    return (outlet_temp_c + rise, outlet_temp_c + rise + s, outlet_temp_c + rise + 2.0 * s)


def loop_supply_temp_c(outlet_c: tuple[float, ...]) -> float:
    """Mixed supply after the N parallel miners (equal flow shares) [°C]."""
    return sum(outlet_c) / len(outlet_c)


def hx_conductance_w_k(lp: MinerLoopParams) -> float:
    """eps C_min of the plate HX with P3 running [W/K] (module docstring)."""
    c_p, c_s = lp.p3_flow_kg_s * CP, lp.secondary_flow_kg_s * CP
    c_min, c_max = min(c_p, c_s), max(c_p, c_s)
    ntu, cr = lp.hx_ua_w_k / c_min, c_min / c_max
    if abs(1.0 - cr) < 1e-9:
        eps = ntu / (1.0 + ntu)
    else:
        x = math.exp(-ntu * (1.0 - cr))
        eps = (1.0 - x) / (1.0 - cr * x)
    return eps * c_min


def loop_substep(
    lp: MinerLoopParams,
    outlet_c: tuple[float, ...],
    loop_c: float,
    heat_w: tuple[float, ...],
    p3_on: bool,
    to_dhw_frac: float,
    buffer_bottom_c: float,
    dhw_bottom_c: float,
    ambient_c: float,
    dt_s: float,
    dhw_coil_eps: float = 1.0,
    extra_loss_w: float = 0.0,
):
    """Advance miner and loop temperatures by one explicit substep.

    ``outlet_c`` and ``heat_w`` have one entry per miner (N >= 1, equal flow shares).

    Returns
    -------
    (outlet_c, loop_c, q_buffer_w, q_dhw_w, loss_w, secondary_kg_s)
        new miner outlet temperatures [°C], new loop temperature [°C], HX heat to the buffer
        and to the DHW tank [W], loop loss to the plant room plus ``extra_loss_w`` [W],
        secondary flow into the buffer [kg/s].
    """
    m = lp.p3_flow_kg_s if p3_on else 0.0
    g_each = m * CP / len(outlet_c) + lp.thermosiphon_w_k
    q_each = [g_each * (t - loop_c) for t in outlet_c]
    if m > 0.0:
        supply = loop_supply_temp_c(outlet_c)
        g_hx = _derived(lp)[0]
        c_s = lp.secondary_flow_kg_s * CP
        r_dhw = 1.0 / g_hx + (1.0 - dhw_coil_eps) / (dhw_coil_eps * c_s)
        q_dhw = to_dhw_frac * (supply - dhw_bottom_c) / r_dhw
        q_buf = (1.0 - to_dhw_frac) * g_hx * (supply - buffer_bottom_c)
    else:
        q_dhw = q_buf = 0.0
    loss = lp.ua_w_k * (loop_c - ambient_c) + extra_loss_w
    cm = lp.miner_heat_capacity_j_k
    cl = _derived(lp)[1]
    k = dt_s / cm
    new_outlet = tuple(t + (w - q) * k for t, w, q in zip(outlet_c, heat_w, q_each))
    new_loop = loop_c + (sum(q_each) - q_buf - q_dhw - loss) * dt_s / cl
    return new_outlet, new_loop, q_buf, q_dhw, loss, ((1.0 - to_dhw_frac) * lp.secondary_flow_kg_s if m > 0.0 else 0.0)


_DERIVED: dict[int, tuple] = {}


def _derived(lp: MinerLoopParams) -> tuple[float, float]:
    """(HX conductance [W/K], loop heat capacity [J/K]) of a (frozen) parameter set, computed once."""
    hit = _DERIVED.get(id(lp))
    if hit is None or hit[0] is not lp:
        if len(_DERIVED) > 64:
            _DERIVED.clear()
        hit = _DERIVED[id(lp)] = (lp, (hx_conductance_w_k(lp), loop_heat_capacity_j_k(lp)))
    return hit[1]


def loop_heat_capacity_j_k(lp: MinerLoopParams) -> float:
    """Heat capacity of the loop water [J/K] (same density as the tanks)."""
    return lp.water_volume_l * WATER_DENSITY_KG_L * CP
