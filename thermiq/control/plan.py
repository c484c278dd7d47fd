"""The controller phase of one scan, in its fixed order (pure).

mode (HS01) -> climate zones -> hot water (anti-legionella) -> prices and heat costs ->
battery threshold (forecast) -> merit order -> heat side (routing, SG-Ready, pumps) ->
derating (trip margins) -> miner dispatch. Each step is a small pure module of
``thermiq.control``; this one only wires them and carries their state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from thermiq.config.schema import ThermiqConfig
from thermiq.control.costs import HeatCosts, heat_costs
from thermiq.control.derate import derate_step, headroom_k
from thermiq.control.dhw import DhwCtl, dhw_step
from thermiq.control.forecast import battery_threshold_pct
from thermiq.control.heat import HeatCtl, HeatPlan, HeatRequest, SgState, heat_step
from thermiq.control.merit import decide
from thermiq.control.miners import (
    DispatchInput,
    MinerCtl,
    MinerRequest,
    dispatch,
    naive_dispatch,
    soc_above_priority,
    surplus_w,
)
from thermiq.control.modes import effective_mode
from thermiq.control.tariff import feed_in_eur_kwh, grid_price_eur_kwh, local_minute
from thermiq.control.zones import ZoneCtl, zone_step
from thermiq.cycle.image import ProcessImage

GRID_W = 1.0e9  # "unlimited" power for grid-powered heating [W]
_NEW_ZONE = ZoneCtl()  #: a zone's state before its first scan


@dataclass(frozen=True, slots=True)
class DispatchCtl:
    """State of the dispatch layer carried between scans (and shown in the status)."""

    zones: Mapping[str, ZoneCtl] = field(default_factory=lambda: MappingProxyType({}))
    dhw: DhwCtl = DhwCtl()
    derate_paused: bool = False
    mode: str = "auto"
    battery_threshold_pct: float | None = None
    costs: HeatCosts | None = None
    headroom_k: float | None = None
    cold_since_s: float | None = None  #: the room below its zone's switch-on point since [monotonic s]


@dataclass(frozen=True, slots=True)
class Plan:
    ctl: DispatchCtl
    soc_ok: bool
    heat: HeatCtl
    heat_req: HeatRequest
    miners: dict[str, MinerCtl]
    requests: dict[str, MinerRequest]


def _sink_temp_c(image: ProcessImage, cfg: ThermiqConfig, to_dhw: bool) -> float | None:
    """Coldest known sensor of the tank the miner heat goes to (the HX sees its bottom)."""
    tank = cfg.dhw if to_dhw else cfg.tank(cfg.miner_loop.default_tank)
    for name in (tank.bottom_temp_signal, tank.mid_temp_signal, tank.top_temp_signal):
        if name and image.value(name) is not None:
            return image.value(name)
    return None


def plan_scan(image: ProcessImage, st, cfg: ThermiqConfig, now_s: float, miners_w: float | None) -> Plan:
    """Run the controllers of one scan over the checked image and the previous ``ControllerState``.

    ``miners_w`` is the miners' measured total power [W], None when unknown (then so is the surplus).
    """
    d, sp, sig, wall_s = cfg.dispatch, st.setpoints, image.value, image.wall_s
    prev: DispatchCtl = st.dispatch
    offset_h = d.tariff.utc_offset_h
    dt_s = 0.0 if st.last_now_s is None else max(0.0, now_s - st.last_now_s)
    naive = d.strategy == "naive"
    # --- mode: the HS01 key switch forces manual (FA-014)
    key = sig(cfg.cabinet.manual_mode_input) if cfg.cabinet.manual_mode_input else None
    mode = effective_mode(sp.mode, bool(key) if key is not None else None)
    # --- climate zones: scheduled target + hysteresis -> room target and demand of the (first) circuit
    zones = dict(prev.zones)
    room_target, room_demand, room_band_k = sp.room_setpoint_c, None, 0.6
    for z in d.zones:
        circuit = next(c for c in cfg.heating_circuits if c.name == z.circuit)
        room_c = sig(circuit.room_temp_signal) if circuit.room_temp_signal else None
        zones[z.name], target = zone_step(zones.get(z.name, _NEW_ZONE), z, room_c, wall_s, offset_h, now_s)
        if circuit is cfg.heating_circuits[0]:
            # a remote room setpoint shifts the schedule by its offset from the configured default
            shift = sp.room_setpoint_c - cfg.heating.room_setpoint_c
            room_target, room_demand, room_band_k = target + shift, zones[z.name].demand, z.hysteresis_k
    # --- hot water: target and the weekly anti-legionella cycle
    buf_t, dhw_t = cfg.buffer, cfg.dhw
    dhw_c = sig(dhw_t.top_temp_signal)
    if naive:
        dhw_st, dhw_target, legionella = prev.dhw, sp.dhw_setpoint_c, False
    else:
        dhw_st, dhw_target, legionella = dhw_step(prev.dhw, d.dhw, dhw_c, sp.dhw_setpoint_c, wall_s, offset_h)
    # --- prices and the cost of a kWh of heat from each source
    price = grid_price_eur_kwh(d.tariff, sp.grid_price_eur_kwh, wall_s)
    hp_price = (
        price
        if d.tariff.heat_pump_price_eur_kwh is None or d.tariff.kind == "dynamic"
        else d.tariff.heat_pump_price_eur_kwh
    )
    outdoor_c = sig(cfg.cabinet.outdoor_temp_signal)
    costs = heat_costs(
        d.heat_pump,
        d.mining,
        price,
        hp_price,
        feed_in_eur_kwh(d.tariff, price),
        sp.hashprice_usd_th_day,
        outdoor_c,
        st.flow_setpoint_c,
    )
    # --- battery threshold: lower when tomorrow's PV refills the battery
    threshold = (
        sp.priority_soc_pct
        if naive
        else battery_threshold_pct(
            sp.priority_soc_pct, sp.pv_forecast_tomorrow_kwh, d.forecast, local_minute(wall_s, offset_h) / 60.0
        )
    )
    inv = image.inverter
    soc_ok = soc_above_priority(st.soc_priority, inv.battery_soc_pct, threshold, cfg.energy)
    surplus = (
        None if miners_w is None else surplus_w(inv, miners_w, soc_ok, battery_may_feed=threshold < sp.priority_soc_pct)
    )
    # --- heat side: routing, pumps, SG-Ready (merit order first, with last scan's heat state)
    buffer_c = sig(buf_t.top_temp_signal)  # invalid (None) is not "cold": no heat wanted from it
    heat_wanted_now = st.heat.dhw_demand or (
        buffer_c is not None and buffer_c < sp.buffer_setpoint_c - buf_t.hysteresis_k
    )
    dhw_room = dhw_c is not None and dhw_c < dhw_t.max_c - dhw_t.hysteresis_k
    buffer_room = buffer_c is not None and buffer_c < buf_t.max_c - buf_t.hysteresis_k
    planned_w = sum(c.target_w for c in st.miners.values() if c.hashing)
    merit = decide(
        mode,
        costs,
        d,
        heating_season=st.heat.heating_season,
        dhw_room=dhw_room,
        heat_wanted_now=heat_wanted_now,
        buffer_room=buffer_room,
        sink_ok=st.heat.miner_sink_ok,
        surplus_w=surplus,
        miners_take_w=planned_w,
        legionella=legionella,
        grid_heating_allowed=sp.grid_heating_allowed,
    )
    # comfort first: no block while the zone wants heat and the room has stayed below the zone's
    # switch-on point for heat_pump.comfort_hold_s (the circuit pump, drawing on the buffer, gets
    # the first try: the room air dips each time the zone stops the pump, and a block that followed
    # those dips would stop and restart the compressor with them)
    room_c = sig(cfg.heating_circuits[0].room_temp_signal) if cfg.heating_circuits[0].room_temp_signal else None
    cold_now = bool(room_demand) and room_c is not None and room_c < room_target - room_band_k / 2.0
    cold_since = (prev.cold_since_s if prev.cold_since_s is not None else now_s) if cold_now else None
    if naive or mode == "off":
        hplan = HeatPlan(room_target, room_demand, dhw_target, SgState.NORMAL, False)
    else:
        cold_room = cold_since is not None and now_s - cold_since >= cfg.heat_pump.comfort_hold_s
        hplan = HeatPlan(
            room_target, room_demand, dhw_target, merit.sg_wanted, merit.block_allowed and not cold_room, legionella
        )
    heat, heat_req = heat_step(st.heat, sig, any(c.onoff.on for c in st.miners.values()), cfg, sp, now_s, hplan)
    # --- derating: keep the loop supply and the outlets a margin below their trips
    lim = cfg.limits
    temps = [sig(cfg.miner_loop.supply_temp_signal)]
    trips = [lim.miner_loop_supply_trip_c]
    # the loop sensors tell the truth while P3 circulates; a standing loop only by estimate from the sink
    circulating = bool(st.outputs.get(cfg.pump(cfg.miner_loop.pump).output, False))
    sink_c = _sink_temp_c(image, cfg, heat_req.rv1_to_dhw)
    est = None if sink_c is None else sink_c + d.derating.sink_rise_k
    room_k = headroom_k((est,), (lim.miner_loop_supply_trip_c,), d.derating.margin_k)
    if circulating:
        room_k = min(room_k, headroom_k(tuple(temps), tuple(trips), d.derating.margin_k))
    der = derate_step(prev.derate_paused, room_k, d.derating)
    # each miner's own outlet derates (and at its ceiling pauses) only that miner
    own_cap = {}
    for m in cfg.miners:
        own = derate_step(
            False, headroom_k((sig(m.outlet_temp_signal),), (lim.miner_outlet_trip_c,), d.derating.margin_k), d.derating
        )
        if circulating:
            own_cap[m.name] = 0.0 if own.pause else m.power_min_w + own.frac * (m.power_max_w - m.power_min_w)
    one_min = min(m.power_min_w for m in cfg.miners)
    cap_total = one_min + der.frac * (sum(m.power_max_w for m in cfg.miners) - one_min)
    # --- miners
    if naive:
        export = None if inv.grid_power_w is None else -inv.grid_power_w
        miner_states, miner_req = naive_dispatch(
            st.miners, cfg.miners, export, heat.miner_sink_ok, d.naive_export_w, cfg.energy, now_s
        )
    else:
        available = GRID_W if merit.miners_on_grid else surplus
        inverter_ok = inv.grid_power_w is not None and inv.battery_power_w is not None
        may_run = inverter_ok and (merit.miners_on_pv or merit.miners_on_grid)  # blind to import: pause
        inp = DispatchInput(available, may_run, heat.miner_sink_ok, cap_total, der.pause, mode, own_cap)
        miner_states, miner_req = dispatch(
            st.miners,
            cfg.miners,
            inp,
            sp.miner_power_limit_w,
            cfg.energy,
            d.pause_delay_s,
            d.contactor_hold_s,
            now_s,
            dt_s,
        )
    ctl = DispatchCtl(MappingProxyType(zones), dhw_st, der.pause, mode, threshold, costs, der.headroom_k, cold_since)
    return Plan(ctl, soc_ok, heat, heat_req, miner_states, miner_req)
