"""What field devices would report about the plant: Deye inverter, Braiins miners, stored energy."""

from __future__ import annotations

from hardware_sim.plant import electrical, miners
from hardware_sim.plant.params import PlantParams
from hardware_sim.plant.state import COUNTERS, Flows, PlantState
from hardware_sim.plant.tank import tank_energy_j

J_PER_KWH = 3.6e6


def battery_soc_pct(state: PlantState, params: PlantParams) -> float:
    """State of charge of the usable capacity [%]."""
    return 100.0 * state.battery_energy_j / electrical.battery_capacity_j(params.electrical)


def inverter_view(state: PlantState, flows: Flows, params: PlantParams) -> dict[str, float]:
    """Deye inverter readings (sign convention of ``InverterSnapshot``).

    Keys: pv_power_w, battery_soc_pct, battery_power_w (+ discharge), grid_power_w (+ import),
    load_power_w (all consumption: household + miners + HP + pumps), battery_voltage_v,
    battery_current_a (+ discharge), and energy counters ``<name>_energy_today_kwh`` /
    ``<name>_energy_total_kwh`` for pv, grid_import, grid_export, battery_charge,
    battery_discharge, load.
    """
    soc = battery_soc_pct(state, params)
    batt_w = flows.battery_discharge_w - flows.battery_charge_w
    volt = electrical.battery_voltage_v(params.electrical, soc, batt_w)
    view = {
        "pv_power_w": flows.pv_power_w,
        "battery_soc_pct": soc,
        "battery_power_w": batt_w,
        "grid_power_w": flows.grid_import_w - flows.grid_export_w,
        "load_power_w": flows.consumption_w,
        "battery_voltage_v": volt,
        "battery_current_a": batt_w / volt,
    }
    for (today_key, total_key), today, total in zip(_COUNTER_KEYS, state.today_j, state.total_j, strict=True):
        view[today_key] = today / J_PER_KWH
        view[total_key] = total / J_PER_KWH
    return view


#: the view's keys of each energy counter (today, total), in ``COUNTERS`` order
_COUNTER_KEYS = tuple((f"{name}_energy_today_kwh", f"{name}_energy_total_kwh") for name in COUNTERS)


def miner_view(state: PlantState, i: int) -> dict[str, float | bool | tuple[float, ...]]:
    """What Braiins OS reports for miner ``i`` (0 .. N-1, plant order).

    Keys: power_w (measured, end of last step) [W], power_target_w [W], mining (bool),
    energised (bool), board_temps_c (three hashboards) [°C], outlet_temp_c [°C].

    Raises
    ------
    IndexError
        ``i`` not in 0 .. N-1.
    """
    if not 0 <= i < len(state.miners):
        raise IndexError(f"miner index {i} must be in 0..{len(state.miners) - 1}")
    u = state.miners[i]
    return {
        "power_w": u.power_w,
        "power_target_w": u.target_w,
        "mining": u.mining,
        "energised": u.energised,
        "board_temps_c": u.board_temps_c,
        "outlet_temp_c": u.outlet_temp_c,
    }


def stored_energy_j(state: PlantState, params: PlantParams) -> float:
    """Thermal energy of all water and house masses relative to 0 °C [J].

    Buffer and DHW layers (m c_p T), loop water and every miner's mass (C T), house air and
    mass nodes (C T).
    The battery is not included (see ``state.battery_energy_j``).
    """
    lp = params.miner_loop
    energy = tank_energy_j(state.buffer_c, params.buffer.layer_mass_kg)
    energy += tank_energy_j(state.dhw_c, params.dhw.layer_mass_kg)
    energy += miners.loop_heat_capacity_j_k(lp) * state.loop_c
    energy += lp.miner_heat_capacity_j_k * sum(u.outlet_temp_c for u in state.miners)
    energy += params.house.air_c_j_k * state.room_c + params.house.c_j_k * state.mass_c
    return energy


def _mid(temps: tuple[float, ...]) -> float:
    n = len(temps)
    return temps[n // 2] if n % 2 else 0.5 * (temps[n // 2 - 1] + temps[n // 2])


def readings(state: PlantState, params: PlantParams) -> dict:
    """What the plant's sensors and contacts read, by plant role (never by I/O-list name).

    The closed-loop driver (``hardware_sim.loop.binding``) maps these roles onto the site
    configuration's signals. Temperatures [°C], contacts bool, valve positions 0 (port B,
    the buffer) .. 1 (port A, the DHW tank).

    Keys: buffer_top_c, buffer_mid_c, buffer_bottom_c (the layers at ``buffer.*_sensor_height_m``), dhw_top_c, dhw_sensor_c (the layer of
    the DHW thermostat well, ``dhw.sensor_layer``), dhw_mid_c, dhw_bottom_c, loop_supply_c,
    loop_return_c, miner_outlet_c (tuple, one per miner), miner_closed (tuple: contactor
    auxiliary contacts), heating_flow_c, heating_return_c, room_c, outdoor_c,
    safety_chain_ok, stb_loop_ok, stb_buffer_ok, miner_valve_pos, hp_valve_pos, hp_ok.
    """
    outlet = tuple(u.outlet_temp_c for u in state.miners)
    buf, dhw = state.buffer_c, state.dhw_c
    bp = params.buffer
    return {
        "buffer_top_c": buf[bp.layer_at(bp.top_sensor_height_m)],
        "buffer_mid_c": buf[bp.layer_at(bp.mid_sensor_height_m)],
        "buffer_bottom_c": buf[bp.layer_at(bp.bottom_sensor_height_m)],
        "dhw_top_c": dhw[0],
        "dhw_sensor_c": dhw[params.dhw.sensor_layer],
        "dhw_mid_c": _mid(dhw),
        "dhw_bottom_c": dhw[-1],
        "loop_supply_c": miners.loop_supply_temp_c(outlet),
        "loop_return_c": state.loop_c,
        "miner_outlet_c": outlet,
        "miner_closed": tuple(u.energised for u in state.miners),
        "heating_flow_c": state.heating_flow_c,
        "heating_return_c": state.heating_return_c,
        "room_c": state.room_c,
        "outdoor_c": state.outdoor_c,
        "safety_chain_ok": state.safety_chain_ok,
        "stb_loop_ok": state.stb_loop_ok,
        "stb_buffer_ok": state.stb_buffer_ok,
        "miner_valve_pos": state.rv1_pos,
        "hp_valve_pos": state.rv2_pos,
        "hp_ok": True,
    }
