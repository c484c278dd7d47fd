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
    for name, today, total in zip(COUNTERS, state.today_j, state.total_j, strict=True):
        view[f"{name}_energy_today_kwh"] = today / J_PER_KWH
        view[f"{name}_energy_total_kwh"] = total / J_PER_KWH
    return view


def miner_view(state: PlantState, i: int) -> dict[str, float | bool | tuple[float, ...]]:
    """What Braiins OS reports for miner ``i`` (0 or 1).

    Keys: power_w (measured, end of last step) [W], power_target_w [W], mining (bool),
    energised (bool), board_temps_c (three hashboards) [°C], outlet_temp_c [°C].

    Raises
    ------
    IndexError
        ``i`` not 0 or 1.
    """
    if i not in (0, 1):
        raise IndexError(f"miner index {i} must be 0 or 1")
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

    Buffer and DHW layers (m c_p T), loop water and both miner masses (C T), house air and
    mass nodes (C T).
    The battery is not included (see ``state.battery_energy_j``).
    """
    lp = params.miner_loop
    energy = tank_energy_j(state.buffer_c, params.buffer.layer_mass_kg)
    energy += tank_energy_j(state.dhw_c, params.dhw.layer_mass_kg)
    energy += miners.loop_heat_capacity_j_k(lp) * state.loop_c
    energy += lp.miner_heat_capacity_j_k * (state.miners[0].outlet_temp_c + state.miners[1].outlet_temp_c)
    energy += params.house.air_c_j_k * state.room_c + params.house.c_j_k * state.mass_c
    return energy

