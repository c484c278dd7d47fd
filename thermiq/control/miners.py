"""Miner dispatch: follow the PV surplus without importing, inside the derate cap.

Pure. Each miner has two decisions:

* **hashing** (Braiins ``ResumeMining``/``PauseMining``): resumes once enough surplus has lasted
  ``start_delay_s``; pauses once the miner, already at its minimum target, would still import
  for ``dispatch.pause_delay_s`` (a short delay: clouds), whatever its minimum on time;
* **contactor** (K1/K2): closes to hash, stays closed through short pauses for
  ``dispatch.contactor_hold_s`` and ``energy.min_on_s`` (these protect the contactor, not the
  grid), and opens at once when there is no sink for the heat or the mode is off.

The power target follows the surplus continuously within the Braiins range: it rises at most
``power_ramp_w_per_s`` and only by more than ``power_deadband_w``; it drops within the same scan
when the surplus turns negative (no rate limit downwards). The surplus is computed from measured
power, and each miner's *target* (not its measured power) is reserved before the next miner is
allocated, so a miner still ramping keeps its share (evcc ``reservedPVPower``). Braiins ramp and range: docs/SOURCES.md S-BRAIINS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from thermiq.config.schema import EnergyConfig, MinerConfig
from thermiq.control.timers import NEVER, OnOff, on_off_step
from thermiq.cycle.image import InverterSnapshot


@dataclass(frozen=True, slots=True)
class MinerCtl:
    """Controller state of one miner: contactor, hashing, since when it has been short [s], target [W]."""

    onoff: OnOff = OnOff()  #: the contactor decision
    hashing: bool = False
    hashing_since_s: float = NEVER
    short_since_s: float | None = None  #: allocation below the minimum (would import) since
    ready_since_s: float | None = None  #: enough surplus to (re)start since
    target_w: float = 0.0


_IDLE = MinerCtl()  #: a miner's state before its first scan


@dataclass(frozen=True, slots=True)
class MinerRequest:
    """What the controller asks for one miner (before the interlocks and the arbitration).

    run : hash (False = paused); contactor : keep K closed (may be True while paused).
    """

    run: bool
    power_target_w: float
    contactor: bool | None = None

    @property
    def closed(self) -> bool:
        return self.run if self.contactor is None else self.contactor


@dataclass(frozen=True, slots=True)
class DispatchInput:
    """The scan's inputs to the miner dispatch.

    available_w : power the miners may take [W]: the PV surplus (measured, incl. their own
        power), or a large value when grid-powered heating is allowed; None = unknown (stop)
    may_run : the merit order and the mode let the miners run at all (and a sink has room)
    sink_ok : a tank can take the heat (False opens the contactors at once, SA-008)
    cap_total_w : derate cap on the miners' total power [W] (inf = none)
    derate_pause : a watched temperature reached its ceiling: pause (contactor stays)
    mode : effective operating mode
    """

    available_w: float | None
    may_run: bool
    sink_ok: bool
    cap_total_w: float = float("inf")
    derate_pause: bool = False
    mode: str = "auto"
    miner_cap_w: Mapping[str, float] = field(default_factory=dict)  #: per-miner derate cap (own outlet) [W]


def surplus_w(
    inv: InverterSnapshot, miners_power_w: float, soc_above_priority: bool, battery_may_feed: bool = False
) -> float | None:
    """PV power available to the miners [W], or None when the inverter data is invalid.

    Notes
    -----
    With grid import and battery discharge positive (normalised in the inverter adapter)::

        surplus = P_miners - P_grid - max(P_batt, 0)     (SoC below the threshold)
        surplus = P_miners - P_grid - P_batt             (SoC at/above it: charge power counts)
        surplus = P_miners - P_grid - min(P_batt, 0)     (battery may feed the miners: sunny tomorrow)

    Below the threshold the battery keeps its charge power and the miners see only what is
    exported beyond it (evcc's ``prioritySoc``, ``core/site.go`` ``sitePower``). Battery discharge
    is never surplus unless ``battery_may_feed`` (forecast-lowered threshold).
    """
    if inv.grid_power_w is None or inv.battery_power_w is None:
        return None
    if soc_above_priority and battery_may_feed:
        return miners_power_w - inv.grid_power_w - min(inv.battery_power_w, 0.0)
    batt_w = inv.battery_power_w if soc_above_priority else max(inv.battery_power_w, 0.0)
    return miners_power_w - inv.grid_power_w - batt_w


def soc_above_priority(was_above: bool, soc_pct: float | None, threshold_pct: float, cfg: EnergyConfig) -> bool:
    """Battery gate with hysteresis: on at the threshold, off below threshold - hysteresis."""
    if soc_pct is None:
        return False
    if soc_pct >= threshold_pct:
        return True
    if soc_pct < threshold_pct - cfg.soc_hysteresis_pct:
        return False
    return was_above


def _target(
    st: MinerCtl, goal_w: float, m: MinerConfig, cap_w: float, cfg: EnergyConfig, dt_s: float, importing: bool
) -> float:
    """Next power target: up by the rate limit beyond the deadband, down at once when importing."""
    target = st.target_w if st.target_w else m.power_min_w
    if goal_w < target and (importing or target - goal_w >= cfg.power_deadband_w):
        target = goal_w
    elif goal_w - target >= cfg.power_deadband_w:
        target += min(cfg.power_ramp_w_per_s * dt_s, goal_w - target)
    return min(max(target, m.power_min_w), cap_w)


def share_cap_w(
    states: Mapping[str, MinerCtl],
    miners: tuple[MinerConfig, ...],
    cap_total_w: float,
    hi_w: Mapping[str, float],
    left_w: float | None,
) -> dict[str, float]:
    """Split the derate cap on the miners' total power among the miners that run [W by name].

    Parameters
    ----------
    cap_total_w : allowed total power of all miners (derating) [W]; inf = no derating
    hi_w : each miner's own upper limit this scan (Braiins max, operator limit, own-outlet cap) [W]
    left_w : surplus the miners may take [W] (None = unknown: no miner starts)

    Miners are taken in the order: those hashing now, then the others, each in configured order.
    A miner joins while the cap still carries its Braiins minimum on top of the minimums of those
    already in (a stopped one also needs the surplus to carry it). Each member gets its minimum,
    and what is left of the cap is shared evenly, no miner above its ``hi_w`` (water filling).
    Members keep this share; miners left out get 0 (they cannot run at their minimum anyway).
    Without derating (``cap_total_w`` infinite) every miner's share is its ``hi_w``.
    """
    if cap_total_w == float("inf"):
        return dict(hi_w)
    order = [m for m in miners if states.get(m.name, MinerCtl()).hashing]
    order += [m for m in miners if m not in order]
    members: list[MinerConfig] = []
    floor_w = 0.0
    for m in order:
        if hi_w[m.name] < m.power_min_w or floor_w + m.power_min_w > cap_total_w:
            continue
        if not states.get(m.name, MinerCtl()).hashing and (left_w is None or left_w - floor_w < m.power_min_w):
            continue
        members.append(m)
        floor_w += m.power_min_w
    share = {m.name: 0.0 for m in miners} | {m.name: m.power_min_w for m in members}
    extra_w, open_ = cap_total_w - floor_w, [m for m in members if hi_w[m.name] > m.power_min_w]
    while extra_w > 1e-9 and open_:
        each_w = extra_w / len(open_)
        for m in open_:
            add_w = min(each_w, hi_w[m.name] - share[m.name])
            share[m.name] += add_w
            extra_w -= add_w
        open_ = [m for m in open_ if hi_w[m.name] - share[m.name] > 1e-9]
    return share


def dispatch(
    states: Mapping[str, MinerCtl],
    miners: tuple[MinerConfig, ...],
    inp: DispatchInput,
    limits_w: Mapping[str, float],
    cfg: EnergyConfig,
    pause_delay_s: float,
    contactor_hold_s: float,
    now_s: float,
    dt_s: float,
) -> tuple[dict[str, MinerCtl], dict[str, MinerRequest]]:
    """Allocate the available power to the miners in configured order, each inside its share of
    the derate cap (:func:`share_cap_w`).

    Returns (new states, requests) by miner name.
    """
    left_w = None if inp.available_w is None else inp.available_w - cfg.grid_import_margin_w
    cap_left = inp.cap_total_w
    hi_w = {
        m.name: min(m.power_max_w, limits_w.get(m.name, m.power_max_w), inp.miner_cap_w.get(m.name, m.power_max_w))
        for m in miners
    }
    shares = share_cap_w(states, miners, inp.cap_total_w, hi_w, left_w)
    new_states: dict[str, MinerCtl] = {}
    requests: dict[str, MinerRequest] = {}
    for m in miners:
        st = states.get(m.name, _IDLE)
        limit_w = limits_w.get(m.name, m.power_max_w)
        cap_w = min(hi_w[m.name], shares[m.name], max(cap_left, 0.0))
        if inp.mode == "manual":
            # FA-014: the operator's power limit is the target; no surplus logic, no delays
            run = limit_w >= m.power_min_w and inp.sink_ok and not inp.derate_pause
            onoff = on_off_step(st.onoff, run, now_s)
            target = min(max(limit_w, m.power_min_w), m.power_max_w) if run else 0.0
            new_states[m.name] = MinerCtl(
                onoff, run, now_s if run != st.hashing else st.hashing_since_s, None, None, target
            )
            requests[m.name] = MinerRequest(run, target, onoff.on)
            continue
        hard_stop = inp.mode == "off" or not inp.sink_ok
        # unknown surplus (inverter or a miner's telemetry invalid): hold what runs, start nothing
        alloc = min(cap_w, st.target_w) if left_w is None else min(cap_w, left_w)
        can_run = inp.may_run and not inp.derate_pause and cap_w >= m.power_min_w and not hard_stop
        hashing, since = st.hashing, st.hashing_since_s
        short_since, ready_since = st.short_since_s, st.ready_since_s
        if hashing:
            short = left_w is not None and alloc < m.power_min_w
            short_since = (short_since if short_since is not None else now_s) if short else None
            if not can_run or (short and now_s - short_since >= pause_delay_s):
                hashing, since, short_since, ready_since = False, now_s, None, None
        else:
            ready = (
                can_run
                and left_w is not None
                and alloc >= m.power_min_w
                and left_w >= max(cfg.surplus_start_w, m.power_min_w)
            )
            ready_since = (ready_since if ready_since is not None else now_s) if ready else None
            if ready and now_s - ready_since >= cfg.start_delay_s:
                hashing, since, ready_since = True, now_s, None
        if hashing:
            importing = left_w is not None and alloc + cfg.grid_import_margin_w < st.target_w
            target = _target(st, max(alloc, m.power_min_w), m, max(cap_w, m.power_min_w), cfg, dt_s, importing)
        else:
            target = 0.0
        # contactor: closed while hashing; held through a short pause; opened at once without a sink
        want_closed = hashing or (not hard_stop and st.onoff.on and now_s - since < contactor_hold_s)
        if hard_stop:
            onoff = OnOff(False, now_s if st.onoff.on else st.onoff.since_s)
        else:
            onoff = on_off_step(st.onoff, want_closed, now_s, 0.0, 0.0, cfg.min_on_s, cfg.min_off_s)
        if hashing and not onoff.on:  # contactor still in its minimum off time: wait, do not hash
            hashing, target = False, 0.0
        # reserve what this miner is ramping into (its goal), or the minimum of a miner about to start,
        # before the next miner is allocated (a slow ramp must not look like spare surplus)
        reserve = max(target, min(alloc, cap_w)) if hashing else (m.power_min_w if ready_since is not None else 0.0)
        if left_w is not None:
            left_w -= reserve
        cap_left -= reserve
        new_states[m.name] = MinerCtl(onoff, hashing, since, short_since, ready_since, target)
        requests[m.name] = MinerRequest(hashing, target, onoff.on)
    return new_states, requests


def naive_dispatch(
    states: Mapping[str, MinerCtl],
    miners: tuple[MinerConfig, ...],
    export_w: float | None,
    sink_ok: bool,
    naive_export_w: float,
    cfg: EnergyConfig,
    now_s: float,
) -> tuple[dict[str, MinerCtl], dict[str, MinerRequest]]:
    """The baseline of the report: a miner starts at full power when the export exceeds
    ``naive_export_w`` (one miner per start delay) and stops after the stop delay once the
    house imports, honouring its minimum on/off times; no derating, no economics."""
    new_states: dict[str, MinerCtl] = {}
    requests: dict[str, MinerRequest] = {}
    started_now = False
    for m in miners:
        st = states.get(m.name, _IDLE)
        if not sink_ok or export_w is None:
            want = False
        elif st.onoff.on:
            want = export_w > -50.0
        else:
            want = export_w > naive_export_w and not started_now
        onoff = on_off_step(st.onoff, want, now_s, cfg.start_delay_s, cfg.stop_delay_s, cfg.min_on_s, cfg.min_off_s)
        if onoff.on and not st.onoff.on:
            started_now = True
        target = m.nominal_power_w if onoff.on else 0.0
        new_states[m.name] = MinerCtl(onoff, onoff.on, onoff.since_s, None, None, target)
        requests[m.name] = MinerRequest(onoff.on, target, onoff.on)
    return new_states, requests
