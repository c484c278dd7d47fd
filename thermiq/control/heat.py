"""Heat routing and the heat sources other than the miners: RV1/RV2, P3/P4/P5, heat-pump SG-Ready.

Pure. Hot water first, then the buffer (site design). The heat pump gets SG-Ready "block" while
the buffer (charged by the miners) covers the heating demand and hot water needs nothing from
it, and "normal" otherwise. Against short cycling (a block stops the compressor at once): the
"covers" decision has a release band of ``heat_pump.block_margin_k`` and follows the heating
curve, not the zone's momentary demand; every SG change waits ``heat_pump.min_dwell_s`` and a
block of a released heat pump ``heat_pump.min_release_s`` (its minimum run).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from thermiq.config.schema import ThermiqConfig
from thermiq.control.heating_curve import flow_setpoint_c
from thermiq.control.setpoints import Setpoints
from thermiq.control.timers import NEVER, hysteresis


class SgState(str, Enum):
    """SG-Ready states (BWP); contacts (input 1, input 4) on the Buderus (docs/HARDWARE.md § Heat pump)."""

    BLOCK = "block"  #: (1, 0) EVU block
    NORMAL = "normal"  #: (0, 0)
    BOOST = "boost"  #: (0, 1) switch-on recommendation
    FORCED = "forced"  #: (1, 1) definite start command

    @property
    def contacts(self) -> tuple[bool, bool]:
        return {"block": (True, False), "normal": (False, False), "boost": (False, True), "forced": (True, True)}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Dwell:
    """A discrete choice and when it was last changed [monotonic s]."""

    value: object
    since_s: float = NEVER


def dwell_step(st: Dwell, wanted: object, now_s: float, min_dwell_s: float) -> Dwell:
    """Change to ``wanted`` only after ``min_dwell_s`` in the present choice."""
    if wanted == st.value or now_s - st.since_s < min_dwell_s:
        return st
    return Dwell(wanted, now_s)


@dataclass(frozen=True, slots=True)
class HeatCtl:
    """Controller state of the heat side."""

    dhw_demand: bool = False
    miner_sink_ok: bool = True
    heating_season: bool = True
    room_demand: bool = True
    rv1: Dwell = Dwell(False)  # True = miner heat to DHW
    rv2: Dwell = Dwell(False)  # True = heat-pump flow to DHW
    sg: Dwell = Dwell(SgState.NORMAL)
    p3_overrun_until_s: float = NEVER
    buffer_covers: bool = False  #: stored heat covers the demand (with its release band)


@dataclass(frozen=True, slots=True)
class HeatRequest:
    p3: bool
    p4: bool
    p5: bool
    rv1_to_dhw: bool
    rv2_to_dhw: bool
    sg_state: SgState
    flow_setpoint_c: float | None


def _held(was: bool, value_c: float | None, on_at_c: float, off_below_c: float) -> bool:
    """On at ``value_c >= on_at_c``, off below ``off_below_c``, else as it was; None is off."""
    if value_c is None:
        return False
    return value_c >= on_at_c or (was and value_c >= off_below_c)


def miner_sink_ok(was_ok: bool, buffer_top_c: float | None, dhw_c: float | None, cfg: ThermiqConfig) -> bool:
    """Can a tank take the miners' heat? Off when both tanks are at their max, on again 1 hysteresis below."""
    buf, dhw = cfg.buffer, cfg.dhw
    buf_room = hysteresis(was_ok, buffer_top_c, buf.max_c - buf.hysteresis_k, buf.max_c)
    dhw_room = hysteresis(was_ok, dhw_c, dhw.max_c - dhw.hysteresis_k, dhw.max_c)
    return buf_room or dhw_room


@dataclass(frozen=True, slots=True)
class HeatPlan:
    """What the dispatch layer decided for the heat side this scan (see ``thermiq.control.sgready``).

    room_target_c : zone target in force [°C]; room_demand : the zone wants heat (its own band)
    dhw_target_c : DHW target in force [°C] (raised by the anti-legionella cycle)
    sg_wanted : SG-Ready state the merit order asks for, before the "block when covered" rule
    block_allowed : the heat pump may be blocked while stored heat covers the demand
    """

    room_target_c: float
    room_demand: bool | None
    dhw_target_c: float
    sg_wanted: SgState = SgState.NORMAL
    block_allowed: bool = True
    dhw_force: bool = False  #: anti-legionella: DHW demand on until the target is reached


def heat_step(
    st: HeatCtl,
    sig,
    miners_running: bool,
    cfg: ThermiqConfig,
    sp: Setpoints,
    now_s: float,
    plan: HeatPlan | None = None,
) -> tuple[HeatCtl, HeatRequest]:
    """One scan of the heat side.

    Parameters
    ----------
    sig : callable name -> value (°C) or None, over the frozen image
    miners_running : any miner contactor requested on this scan
    plan : zone target/demand, DHW target and SG wish of the dispatch layer; None = the plain
        setpoints (room hysteresis +-0.3 K, SG normal unless stored heat covers the demand)
    """
    if plan is None:
        plan = HeatPlan(sp.room_setpoint_c, None, sp.dhw_setpoint_c)
    circuit = cfg.heating_circuits[0]
    buf_t, dhw_t = cfg.buffer, cfg.dhw
    outdoor_c = sig(cfg.cabinet.outdoor_temp_signal)
    room_c = sig(circuit.room_temp_signal) if circuit.room_temp_signal else None
    buffer_c, dhw_c = sig(buf_t.top_temp_signal), sig(dhw_t.top_temp_signal)
    dhw_demand = hysteresis(st.dhw_demand, dhw_c, plan.dhw_target_c - dhw_t.hysteresis_k, plan.dhw_target_c)
    # The heat pump stops at its own hot-water temperature, which ThermIQ cannot read: a DHW
    # charge that lasts longer than the priority time ends, so the buffer is never starved.
    if plan.dhw_force:
        dhw_demand = dhw_c is not None and dhw_c < plan.dhw_target_c
    elif dhw_demand and st.rv2.value and now_s - st.rv2.since_s > cfg.routing.dhw_priority_max_s:
        dhw_demand = False
    sink_ok = miner_sink_ok(st.miner_sink_ok, buffer_c, dhw_c, cfg)
    h = cfg.heating
    season = (
        True
        if outdoor_c is None
        else hysteresis(
            st.heating_season, outdoor_c, h.heating_limit_c - h.heating_limit_hysteresis_k, h.heating_limit_c
        )
    )
    if plan.room_demand is not None:
        room = plan.room_demand
    else:
        room = (
            True
            if room_c is None
            else hysteresis(st.room_demand, room_c, plan.room_target_c - 0.3, plan.room_target_c + 0.3)
        )
    flow_c = (
        None
        if outdoor_c is None
        else flow_setpoint_c(outdoor_c, plan.room_target_c, h.design_outdoor_c, h.design_flow_c, h.curve_exponent)
    )

    # RV1: miner heat to DHW while DHW wants heat (or, out of the heating season, has room) - hot water first.
    dhw_room = dhw_c is not None and dhw_c < dhw_t.max_c - dhw_t.hysteresis_k
    miners_to_dhw = (
        miners_running
        and dhw_c is not None
        and dhw_c < dhw_t.max_c
        and (dhw_demand or (not season and dhw_room) or (bool(st.rv1.value) and not season))
    )
    rv1 = dwell_step(st.rv1, miners_to_dhw, now_s, cfg.routing.min_dwell_s)
    # RV2: heat pump to DHW when DHW wants heat and the miners are not serving it.
    rv2 = dwell_step(st.rv2, dhw_demand and not rv1.value, now_s, cfg.routing.min_dwell_s)

    heating_wanted = season and room
    # Stored heat covers the demand: on at the buffer >= flow set point + margin, off only once it
    # falls below the flow set point (a band, not a point). In the heating season this follows the
    # heating curve, not the zone's momentary demand: the zone toggles the circuit pump every few
    # minutes, and a block that followed it would stop and restart the compressor with it.
    margin_k = cfg.heat_pump.block_margin_k
    buffer_covers = flow_c is not None and _held(st.buffer_covers, buffer_c, flow_c + margin_k, flow_c)
    if not season:
        idle_c = sp.buffer_setpoint_c - buf_t.hysteresis_k
        buffer_covers = buffer_covers or _held(st.buffer_covers, buffer_c, idle_c, idle_c - margin_k)
    dhw_covered = not dhw_demand or bool(rv1.value)
    forced_ok = plan.sg_wanted is SgState.FORCED and (
        bool(rv2.value) or (buffer_c is not None and buffer_c < buf_t.max_c - buf_t.hysteresis_k)
    )
    if forced_ok or plan.sg_wanted is SgState.BOOST:
        wanted_sg = plan.sg_wanted
    elif plan.block_allowed and buffer_covers and dhw_covered:
        wanted_sg = SgState.BLOCK
    else:
        wanted_sg = plan.sg_wanted
    # leaving "forced" never waits for the dwell: a forced heat pump must not overheat the buffer;
    # a released heat pump is blocked only after its minimum run (a block stops the compressor at once)
    if st.sg.value is SgState.FORCED:
        dwell_s = 0.0
    elif wanted_sg is SgState.BLOCK and st.sg.value is not SgState.BLOCK:
        dwell_s = max(cfg.heat_pump.min_dwell_s, cfg.heat_pump.min_release_s)
    else:
        dwell_s = cfg.heat_pump.min_dwell_s
    sg = dwell_step(st.sg, wanted_sg, now_s, dwell_s)

    overrun = now_s + cfg.pump(cfg.miner_loop.pump).overrun_s if miners_running else st.p3_overrun_until_s
    p3 = miners_running or now_s < overrun
    new = HeatCtl(dhw_demand, sink_ok, season, room, rv1, rv2, sg, overrun, buffer_covers)
    return new, HeatRequest(
        p3, sg.value is not SgState.BLOCK, heating_wanted, bool(rv1.value), bool(rv2.value), sg.value, flow_c
    )
