"""Miner dispatch: follow PV surplus once the battery is above its priority SoC.

Pure. Each miner has an on/off decision with delays and minimum on/off times, and a power
target that follows the surplus within the miner's range, with a deadband and a rate limit
(each change ramps the miner slowly, docs/SOURCES.md S-BRAIINS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from thermiq.config.schema import EnergyConfig, MinerConfig
from thermiq.control.setpoints import Setpoints
from thermiq.control.timers import OnOff, on_off_step
from thermiq.cycle.image import InverterSnapshot


@dataclass(frozen=True, slots=True)
class MinerCtl:
    """Controller state of one miner: its on/off decision and the power target it asks for [W]."""

    onoff: OnOff = OnOff()
    target_w: float = 0.0


@dataclass(frozen=True, slots=True)
class MinerRequest:
    """What the controller asks for one miner (before the interlocks and the arbitration)."""

    run: bool
    power_target_w: float


def surplus_w(inv: InverterSnapshot, miners_power_w: float, soc_above_priority: bool) -> float | None:
    """PV power available to the miners [W], or None when the inverter data is invalid.

    Notes
    -----
    With grid import and battery discharge positive (normalised in the inverter adapter)::

        surplus = P_miners - P_grid - max(P_batt, 0)            (SoC below priority)
        surplus = P_miners - P_grid - P_batt                    (SoC at/above priority)

    Above the priority SoC the power that would charge the battery counts as surplus too, so the
    miners take it instead; below it only export counts, and battery discharge is never surplus.
    """
    if inv.grid_power_w is None or inv.battery_power_w is None:
        return None
    batt_w = inv.battery_power_w if soc_above_priority else max(inv.battery_power_w, 0.0)
    return miners_power_w - inv.grid_power_w - batt_w


def soc_above_priority(was_above: bool, soc_pct: float | None, sp: Setpoints, cfg: EnergyConfig) -> bool:
    """Battery-priority gate with hysteresis: on at priority SoC, off below priority - hysteresis."""
    if soc_pct is None:
        return False
    if soc_pct >= sp.priority_soc_pct:
        return True
    if soc_pct < sp.priority_soc_pct - cfg.soc_hysteresis_pct:
        return False
    return was_above


def dispatch(states: Mapping[str, MinerCtl], miners: tuple[MinerConfig, ...], surplus: float | None,
             heat_wanted: bool, grid_heat: bool, sink_ok: bool, sp: Setpoints, cfg: EnergyConfig,
             now_s: float, dt_s: float) -> tuple[dict[str, MinerCtl], dict[str, MinerRequest]]:
    """Allocate the surplus to the miners in configured order and advance their on/off timers.

    Parameters
    ----------
    states : per-miner controller state
    surplus : PV surplus [W] (None = unknown: miners stop unless grid heating applies)
    heat_wanted : a tank wants heat (used only with grid heating)
    grid_heat : grid-powered heating allowed (setpoint) and heat wanted
    sink_ok : a tank can take the miners' heat (SA-008: no heat source without a path)
    dt_s : time since the previous scan [s] (for the rate limit)

    Returns
    -------
    (new states, requests) by miner name.
    """
    left_w = None if surplus is None else surplus - cfg.grid_import_margin_w
    new_states: dict[str, MinerCtl] = {}
    requests: dict[str, MinerRequest] = {}
    manual = sp.mode == "manual"
    for m in miners:
        st = states.get(m.name, MinerCtl())
        limit_w = sp.miner_power_limit_w.get(m.name, m.power_max_w)
        cap_w = min(m.power_max_w, limit_w)
        if manual:
            # FA-014 manual mode: the operator's power limit is the target; no surplus logic, no delays
            want, alloc = limit_w >= m.power_min_w and sink_ok, cap_w
            onoff = on_off_step(st.onoff, want, now_s)
        else:
            if grid_heat and heat_wanted:
                alloc = cap_w
            else:
                alloc = 0.0 if left_w is None else min(cap_w, left_w)
            if cap_w < m.power_min_w or not sink_ok:
                want = False
            elif st.onoff.on:
                want = alloc >= m.power_min_w + cfg.surplus_stop_w
            else:
                want = alloc >= max(cfg.surplus_start_w, m.power_min_w)
            onoff = on_off_step(st.onoff, want, now_s, cfg.start_delay_s, cfg.stop_delay_s, cfg.min_on_s, cfg.min_off_s)
        if onoff.on:
            goal_w = min(max(alloc, m.power_min_w), cap_w)
            step_w = cfg.power_ramp_w_per_s * dt_s
            target = st.target_w if st.target_w else m.power_min_w
            if abs(goal_w - target) >= cfg.power_deadband_w:
                target += max(-step_w, min(step_w, goal_w - target))
            target = min(max(target, m.power_min_w), cap_w)
            if left_w is not None:
                left_w -= target
        else:
            target = 0.0
        new_states[m.name] = MinerCtl(onoff, target)
        requests[m.name] = MinerRequest(onoff.on, target)
    return new_states, requests
