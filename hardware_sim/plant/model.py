"""The ASP1 plant: one pure ``step`` composing tanks, miner loop, heat pump, house, electrics.

``step(state, act, bnd, params, dt_s) -> (new_state, flows)`` integrates ``dt_s`` with
``params.substeps(dt_s)`` equal explicit substeps (each <= ``simulation.max_substep_s``, which
params validation keeps below 0.4 x the fastest time constant, so any dt_s is stable).
All heat and electricity of a substep is computed from the state at its start, so the energy
bookkeeping in :class:`Flows` closes exactly against :func:`stored_energy_j`.

Hydraulics (docs/SOURCES.md S-PLANT, *assumed*): P3 circulates the miner loop through a plate HX whose
secondary side feeds the tank RV1 selects (buffer: in at the layer of its temperature, out at
the bottom; DHW: through the tank coil). The HP's flow goes where RV2 points; to the buffer it
needs P4 (no flow, no heat) and enters at the layer of its temperature, to the DHW tank it runs
through the coil (``dhw.coil_ua_w_k``) with its internal pump. P5 takes heating water from the
buffer top through thermostatic radiator valves; the return enters at its temperature's layer.
DHW draws: hot water leaves the top through a thermostatic mixer, cold water enters the bottom;
pass ``bnd = series.at(t, dt_s)`` so the draw is the exact mean of the step.
Grid outage (``bnd.grid_ok`` False): the Deye islands the house on PV and battery; when the
battery cannot cover the consumption the house goes dark (no pumps, HP, miners, valve motors)
until the grid returns or the battery is back at ``backup_restart_soc_pct``. Valves travel 75 s end to end
(Belimo CQ, docs/SOURCES.md S-HARDWARE) and split flows in proportion to position while moving.
Hardware STBs (95 °C buffer top, 75 °C miner-loop supply) latch; an open chain drops both
contactors. :func:`reset_safety` is the manual reset.
"""

from __future__ import annotations

import math
from dataclasses import replace

from hardware_sim.plant import electrical, heat_pump, house, miners, tank
from hardware_sim.plant.boundary import Boundary
from hardware_sim.plant.params import WATER_CP_J_KG_K as CP
from hardware_sim.plant.params import PlantParams
from hardware_sim.plant.state import (
    COUNTERS,
    Actuators,
    Flows,
    HeatPumpState,
    PlantState,
    _local_day,
    flows_columns,
    initial_state,
)
from hardware_sim.plant.views import battery_soc_pct, inverter_view, miner_view, readings, stored_energy_j

__all__ = [
    "Actuators",
    "Flows",
    "PlantState",
    "initial_state",
    "step",
    "readings",
    "inverter_view",
    "miner_view",
    "stored_energy_j",
    "reset_safety",
    "flows_columns",
    "COUNTERS",
    "battery_soc_pct",
]

MAX_DT_S = 3600.0


def _per_miner(act: Actuators, n: int) -> tuple[tuple, tuple, tuple, tuple]:
    """The actuators' per-miner tuples, each of length ``n`` (``()`` = all off / model)."""
    out = []
    for name, off in (
        ("contactor", False),
        ("miner_run", False),
        ("miner_target_w", 0.0),
        ("miner_power_override_w", None),
    ):
        v = getattr(act, name)
        if not v:
            v = (off,) * n
        elif len(v) != n:
            raise ValueError(f"actuators {name} has {len(v)} entries, the plant has {n} miners")
        out.append(v)
    return tuple(out)


def _check(act: Actuators, bnd: Boundary, dt_s: float) -> None:
    if not (math.isfinite(dt_s) and 0.0 < dt_s <= MAX_DT_S):
        raise ValueError(f"dt_s={dt_s} must be finite and in (0, {MAX_DT_S}] s")
    for i, w in enumerate(act.miner_target_w):
        if not math.isfinite(w):
            raise ValueError(f"miner_target_w[{i}]={w} is not finite")
    for i, w in enumerate(act.miner_power_override_w):
        if w is not None and not (math.isfinite(w) and 0.0 <= w <= 20000.0):
            raise ValueError(f"miner_power_override_w[{i}]={w} must be None or in [0, 20000] W")
    for name in ("outdoor_temp_c", "pv_power_w", "household_load_w", "dhw_draw_kg_s", "dhw_tap_temp_c", "solar_gain_w"):
        v = getattr(bnd, name)
        if not math.isfinite(v):
            raise ValueError(f"boundary {name}={v} is not finite")
    if bnd.pv_power_w < 0.0 or bnd.household_load_w < 0.0 or bnd.dhw_draw_kg_s < 0.0 or bnd.solar_gain_w < 0.0:
        raise ValueError(f"boundary powers and draw must be >= 0, got {bnd}")


def _move(pos: float, to_one: bool, rate: float) -> float:
    """Valve position after one substep; snaps to the end stop within rounding of a full travel."""
    if to_one:
        return 1.0 if pos + rate >= 1.0 - 1e-9 else pos + rate
    return 0.0 if pos - rate <= 1e-9 else pos - rate


_CONSTANTS: dict[int, tuple] = {}


def _constants(p: PlantParams) -> tuple:
    """Step-invariant numbers derived from ``p`` (layer masses, conductances, layer indices, coil
    effectivenesses, battery restart energy), computed once per parameter set."""
    hit = _CONSTANTS.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    bp, dp = p.buffer, p.dhw
    coil_top, coil_bot = dp.coil_layers
    consts = (
        bp.layer_mass_kg,
        dp.layer_mass_kg,
        bp.conduction_w_k,
        dp.conduction_w_k,
        dp.layers,
        coil_top,
        coil_bot,
        coil_eps(dp.coil_ua_w_k, p.heat_pump.flow_kg_s),
        coil_eps(dp.coil_ua_w_k, p.miner_loop.secondary_flow_kg_s),
        bp.layer_at(0.0),
        bp.layer_at(bp.mid_sensor_height_m),
        dp.sensor_layer,
        electrical.battery_capacity_j(p.electrical) * p.electrical.backup_restart_soc_pct / 100.0,
    )
    if len(_CONSTANTS) > 64:
        _CONSTANTS.clear()
    _CONSTANTS[id(p)] = (p, consts)
    return consts


def step(
    state: PlantState, act: Actuators, bnd: Boundary, params: PlantParams, dt_s: float
) -> tuple[PlantState, Flows]:
    """Advance the plant by ``dt_s`` seconds with held actuators and boundary values.

    Parameters
    ----------
    state : PlantState
    act : Actuators
    bnd : Boundary (held over the step)
    params : PlantParams
    dt_s : step length [s], 0 < dt_s <= 3600

    Returns
    -------
    (new_state, flows) ; flows are means over the step [W]

    Raises
    ------
    ValueError
        Non-finite or out-of-range ``dt_s``, targets or boundary values (nothing changes).
    """
    _check(act, bnd, dt_s)
    n_miners = len(state.miners)
    contactor, miner_run, miner_target, override = _per_miner(act, n_miners)
    p = params
    n_sub = p.substeps(dt_s)
    h = dt_s / n_sub
    bp, dp, lp, hpp, hp_ = p.buffer, p.dhw, p.miner_loop, p.heat_pump, p.house
    amb = p.simulation.plant_room_temp_c
    (
        buf_m,
        dhw_m,
        buf_g,
        dhw_g,
        nd,
        coil_top,
        coil_bot,
        hp_coil_eps,
        sec_coil_eps,
        buf_bottom_i,
        buf_sensor_i,
        dhw_sensor_i,
        restart_j,
    ) = _constants(p)
    n_coil = coil_bot - coil_top + 1
    valve_rate = h / p.valves.travel_s
    mode = heat_pump.sg_mode(act.sg_in1, act.sg_in4)
    t_out = bnd.outdoor_temp_c
    local_h = ((state.t_utc_s + p.simulation.utc_offset_h * 3600.0) % 86400.0) / 3600.0
    night = hp_.night(local_h)
    setback = hp_.night_setback_k if night else 0.0
    set_room = house.setpoint_c(hp_, local_h)
    gains_air, gains_mass = hp_.internal_gains_w, bnd.solar_gain_w
    # the HP controller works on a damped outdoor temperature (first order, exact for held input)
    t_damped = state.hp.outdoor_damped_c + (t_out - state.hp.outdoor_damped_c) * -math.expm1(
        -dt_s / hpp.outdoor_damping_tau_s
    )
    m_hp_nom = hpp.flow_kg_s
    stratified_b = bp.stratified_inlets
    dump_on = p.dump.enabled
    dump_p, ep, mp = p.dump, p.electrical, p.miners
    act_p3, act_p4, act_p5 = act.p3, act.p4, act.p5
    act_rv1, act_rv2 = act.rv1_to_dhw, act.rv2_to_dhw
    grid_ok, pv_w, load_nom_w = bnd.grid_ok, bnd.pv_power_w, bnd.household_load_w
    draw_nom_kg_s, tap_c, cold_c = bnd.dhw_draw_kg_s, bnd.dhw_tap_temp_c, dp.cold_water_temp_c
    loop_trip_c, buf_trip_c, pump_w_each = lp.stb_trip_c, bp.stb_trip_c, ep.pump_power_w
    coil_range = range(coil_top, coil_bot + 1)
    miner_range = range(n_miners)
    switched = [(False, False, 0.0, False, False)] * n_miners  # per miner: (closed, end_w, on_s, mining, over)

    buf, dhw, loop_c, room, mass = state.buffer_c, state.dhw_c, state.loop_c, state.room_c, state.mass_c
    units = list(state.miners)
    outlet = tuple(u.outlet_temp_c for u in units)
    rv1, rv2 = state.rv1_pos, state.rv2_pos
    hp_run, hp_in_state = state.hp.running, state.hp.in_state_s
    underheat, heater_on = state.hp.underheat_k_s, state.hp.heater_on
    stb_loop, stb_buf = state.stb_loop_ok, state.stb_buffer_ok
    batt = state.battery_energy_j
    dark = state.dark and not bnd.grid_ok
    hflow, hret = state.heating_flow_c, state.heating_return_c
    acc = [0.0] * 24  # energy accumulators [J], see names below
    miner_acc = [0.0] * n_miners  # electrical energy per miner [J]
    heat = [0.0] * n_miners

    for _ in range(n_sub):
        chain = stb_loop and stb_buf and not dark
        powered = not dark
        # --- miners (electrical) ---
        for i in miner_range:
            closed = contactor[i] and chain
            avg, end, on_s, mining, over = miners.miner_power_substep(
                mp, units[i], closed, miner_run[i], miner_target[i], h, override[i]
            )
            heat[i] = avg
            miner_acc[i] += avg * h
            switched[i] = (closed, end, on_s, mining, over)
        # --- heat pump (thermostat, backup heater, modulation) ---
        to_dhw = rv2 >= 0.5
        target = heat_pump.tank_target_c(hpp, to_dhw, mode, t_damped, setback) if powered else None
        sensor_c = dhw[dhw_sensor_i] if to_dhw else buf[buf_sensor_i]
        p4 = act_p4 and powered
        flow_frac = rv2 + (1.0 - rv2) * (1.0 if p4 else 0.0)
        flow_ok = flow_frac >= 0.5
        run = heat_pump.thermostat(hpp, hp_run, hp_in_state, mode, target, sensor_c, flow_ok)
        hp_in_state = hp_in_state + h if run == hp_run else h
        hp_run = run
        compressor = run and t_out >= hpp.min_outdoor_temp_c
        if run and target is not None and sensor_c < target:
            underheat += (target - sensor_c) * h
        elif not run:
            underheat = 0.0
        heater_on = (
            run
            and (
                underheat >= hpp.backup_delay_k_s
                or not compressor
                or (mode == heat_pump.FORCED and hpp.forced_uses_backup)
            )
            and hpp.backup_heater_w > 0.0
        )
        q_hp_buf = q_hp_dhw = q_heater = 0.0
        hp_el = hpp.standby_power_w if powered else 0.0
        buf_in_kg_s = buf_in_c = 0.0
        if run and target is not None:
            m_hp = m_hp_nom * flow_frac
            w_dhw = rv2 / flow_frac
            set_flow = target + hpp.charge_margin_k
            if w_dhw >= 0.5:  # through the DHW coil
                t_coil = sum(dhw[coil_top : coil_bot + 1]) / n_coil
                q, el, _tf = heat_pump.operate(
                    hpp, t_out, t_coil, hp_coil_eps * m_hp * CP, set_flow, hp_in_state, compressor, heater_on
                )
                q_hp_dhw = q
            else:  # direct charge of the buffer (P4), in at the layer of its temperature
                t_ret = buf[-1]
                q, el, t_flow = heat_pump.operate(
                    hpp, t_out, t_ret, m_hp * CP, set_flow, hp_in_state, compressor, heater_on
                )
                q_hp_buf = q
                buf_in_kg_s, buf_in_c = m_hp, t_flow
            q_heater = hpp.backup_heater_w if heater_on else 0.0
            hp_el += el
        # --- dump heat sink (thermostatic dry cooler on the miner loop) ---
        dump_w = fan_w = 0.0
        if dump_on and loop_c > t_out:
            frac = (loop_c - dump_p.open_temp_c) / dump_p.band_k
            if frac > 0.0:
                frac = 1.0 if frac > 1.0 else frac
                dump_w = frac * dump_p.ua_w_k * (loop_c - t_out)
                fan_w = frac * dump_p.fan_power_w if powered else 0.0
                if not powered:
                    dump_w = 0.0
        # --- miner loop ---
        p3 = act_p3 and powered
        dhw_coil_c = dhw[coil_bot]
        outlet, loop_c, q_mb, q_md, loop_loss, m_sec = miners.loop_substep(
            lp, outlet, loop_c, heat, p3, rv1, buf[-1], dhw_coil_c, amb, h, sec_coil_eps, dump_w
        )
        streams = []
        if buf_in_kg_s > 0.0:
            streams.append(
                (buf_in_kg_s, buf_in_c, tank.inlet_layer(buf, buf_in_c) if stratified_b else 0, buf_bottom_i)
            )
        if m_sec > 0.0:
            t_sec = buf[-1] + q_mb / (m_sec * CP)
            streams.append((m_sec, t_sec, tank.inlet_layer(buf, t_sec) if stratified_b else 0, buf_bottom_i))
        # --- heating circuit (thermostatic valves) and the house ---
        p5 = act_p5 and powered
        if p5:
            trv = house.valve_open_frac(hp_, room, set_room)
            q_em, t_r = house.emitter_heat_w(hp_, buf[0], room, trv)
            hc_kg_s = hp_.p5_flow_kg_s * trv if q_em > 0.0 else 0.0
            hflow, hret = buf[0], t_r
            if hc_kg_s > 0.0:
                streams.append((hc_kg_s, t_r, tank.inlet_layer(buf, t_r) if stratified_b else buf_bottom_i, 0))
        else:
            q_em = 0.0
            relax = -math.expm1(-h / hp_.pipe_tau_s)
            hflow += (amb - hflow) * relax
            hret += (amb - hret) * relax
        room, mass, house_loss = house.room_substep(hp_, room, mass, t_out, q_em + gains_air, gains_mass, h)
        # --- DHW draw through a thermostatic mixer (exact mean draw of the step from the boundary) ---
        top = dhw[0]
        if draw_nom_kg_s > 0.0 and top > cold_c:
            ratio = (tap_c - cold_c) / (top - cold_c)
            draw_kg_s = draw_nom_kg_s * (1.0 if ratio > 1.0 else ratio)
        else:
            draw_kg_s = 0.0
        draw_heat = draw_kg_s * CP * (top - cold_c)
        # --- tanks ---
        buf, loss_b = tank.tank_substep(buf, buf_m, buf_g, bp.ua_w_k, amb, streams, (), h)
        coil_heat = q_md + q_hp_dhw
        coil = [(k, coil_heat / n_coil) for k in coil_range] if coil_heat != 0.0 else ()
        dhw_streams = ((draw_kg_s, cold_c, nd - 1, 0),) if draw_kg_s > 0.0 else ()
        dhw, loss_d = tank.tank_substep(dhw, dhw_m, dhw_g, dp.ua_w_k, amb, dhw_streams, coil, h)
        # --- miner temperatures, STBs ---
        for i in miner_range:
            closed, end, on_s, mining, over = switched[i]
            units[i] = miners.MinerUnitState(
                end, miner_target[i], closed, on_s, outlet[i], miners.board_temps(mp, outlet[i], end), mining, over
            )
        if miners.loop_supply_temp_c(outlet) >= loop_trip_c:
            stb_loop = False
        if buf[0] >= buf_trip_c:
            stb_buf = False
        # --- valves (spring return needs no power; the motor does) ---
        if rv1 != (1.0 if act_rv1 and powered else 0.0):
            rv1 = _move(rv1, act_rv1 and powered, valve_rate)
        if rv2 != (1.0 if act_rv2 and powered else 0.0):
            rv2 = _move(rv2, act_rv2 and powered, valve_rate)
        # --- electrical ---
        miner_w = sum(heat)
        pump_w = pump_w_each * (p3 + p4 + p5) + fan_w
        load_w = load_nom_w if powered else 0.0
        consumption = load_w + miner_w + hp_el + pump_w
        d = electrical.dispatch(ep, pv_w, consumption, batt, h, grid_ok)
        batt = d.battery_energy_j
        unserved = d.unserved_w + (load_nom_w - load_w)
        if not grid_ok and d.unserved_w > 0.0:
            dark = True
        elif dark and (grid_ok or batt >= restart_j):
            dark = False
        acc = [
            a + v * h
            for a, v in zip(
                acc,
                (
                    pv_w,
                    d.grid_import_w,
                    d.grid_export_w,
                    d.battery_charge_w,
                    d.battery_discharge_w,
                    d.battery_loss_w,
                    hp_el,
                    q_hp_buf + q_hp_dhw,
                    consumption - d.unserved_w,
                    q_em,
                    draw_heat,
                    loss_b + loss_d,
                    loop_loss,
                    house_loss,
                    q_mb,
                    q_md,
                    q_hp_buf,
                    q_hp_dhw,
                    gains_air + gains_mass,
                    pump_w,
                    q_heater,
                    d.curtailed_w,
                    unserved,
                    dump_w,
                ),
            )
        ]

    if not (stb_loop and stb_buf) or dark:  # the open chain (or no power) drops both contactors
        units = [replace(u, power_w=0.0, energised=False, on_s=0.0, mining=False) for u in units]
    f = [a / dt_s for a in acc]
    miner_w = tuple(a / dt_s for a in miner_acc)
    flows = Flows(
        pv_power_w=f[0],
        load_power_w=bnd.household_load_w,
        grid_import_w=f[1],
        grid_export_w=f[2],
        battery_charge_w=f[3],
        battery_discharge_w=f[4],
        battery_loss_w=f[5],
        miner_power_w=miner_w,
        miner_heat_w=sum(miner_w),
        hp_power_w=f[6],
        hp_heat_w=f[7],
        pump_power_w=f[19],
        consumption_w=f[8],
        house_heat_w=f[9],
        house_gain_w=f[18],
        dhw_draw_heat_w=f[10],
        tank_loss_w=f[11],
        loop_loss_w=f[12] - f[23],
        house_loss_w=f[13],
        miner_hx_buffer_w=f[14],
        miner_hx_dhw_w=f[15],
        hp_heat_buffer_w=f[16],
        hp_heat_dhw_w=f[17],
        backup_heater_w=f[20],
        pv_curtailed_w=f[21],
        unserved_w=f[22],
        dump_w=f[23],
    )
    t_new = state.t_utc_s + dt_s
    day = _local_day(p, t_new)
    step_j = (acc[0] - acc[21], acc[1], acc[2], acc[3], acc[4], acc[8])
    today = state.today_j if day == state.local_day else tuple(0.0 for _ in COUNTERS)
    new_state = PlantState(
        t_utc_s=t_new,
        buffer_c=buf,
        dhw_c=dhw,
        loop_c=loop_c,
        miners=tuple(units),
        rv1_pos=rv1,
        rv2_pos=rv2,
        hp=HeatPumpState(hp_run, hp_in_state, mode, t_damped, underheat, heater_on),
        room_c=room,
        outdoor_c=t_out,
        heating_flow_c=hflow,
        heating_return_c=hret,
        battery_energy_j=batt,
        stb_loop_ok=stb_loop,
        stb_buffer_ok=stb_buf,
        p3_on=act.p3,
        p5_on=act.p5,
        local_day=day,
        today_j=tuple(a + b for a, b in zip(today, step_j, strict=True)),
        total_j=tuple(a + b for a, b in zip(state.total_j, step_j, strict=True)),
        mass_c=mass,
        dark=dark,
    )
    return new_state, flows


def coil_eps(ua_w_k: float, flow_kg_s: float) -> float:
    """Effectiveness of an immersed coil against an isothermal tank: 1 - exp(-UA/(m c_p)) [-]."""
    return -math.expm1(-ua_w_k / (flow_kg_s * CP))


def reset_safety(state: PlantState, params: PlantParams) -> PlantState:
    """Manual STB reset: each tripped STB resets only if its temperature is ``stb_reset_band_k``
    below the trip point (a real STB cannot be reset while hot)."""
    band = params.miner_loop.stb_reset_band_k
    loop_ok = state.stb_loop_ok or (
        miners.loop_supply_temp_c(tuple(u.outlet_temp_c for u in state.miners)) < params.miner_loop.stb_trip_c - band
    )
    buf_ok = state.stb_buffer_ok or state.buffer_c[0] < params.buffer.stb_trip_c - band
    return replace(state, stb_loop_ok=loop_ok, stb_buffer_ok=buf_ok)
