"""What the simulated Deye reports: the plant's inverter view under the names of the signal contract.

Every signal of :data:`thermiq.signals.INVERTER_SIGNALS` gets a value, so the in-process devices,
the Modbus simulator and the real Deye adapter all carry the same set. The plant model has no
thermal model of the battery or the inverter and no grid dynamics: those three are constants
(stated here, not physics): grid frequency at its nominal 50 Hz (EN 50160), the battery at 20 °C
(installed indoors), the inverter heat sink at 20 °C + 2 K per kW it converts (assumed).
"""

from __future__ import annotations

from collections.abc import Mapping

from thermiq.signals import INVERTER_SIGNALS

NOMINAL_GRID_HZ = 50.0
BATTERY_TEMP_C = 20.0
HEATSINK_BASE_C = 20.0
HEATSINK_K_PER_KW = 2.0


def inverter_signals(view: Mapping[str, float]) -> dict[str, float]:
    """Contract name -> value from :func:`hardware_sim.plant.views.inverter_view`'s keys.

    Raises
    ------
    KeyError : the view lacks a quantity the contract needs (names it).
    """
    converted_kw = (abs(view["pv_power_w"]) + abs(view["battery_power_w"])) / 1000.0
    out = {
        "pv_power_w": view["pv_power_w"],
        "battery_soc_pct": view["battery_soc_pct"],
        "battery_power_w": view["battery_power_w"],
        "grid_power_w": view["grid_power_w"],
        "load_power_w": view["load_power_w"],
        "battery_voltage_v": view["battery_voltage_v"],
        "battery_temp_c": BATTERY_TEMP_C,
        "inverter_temp_c": HEATSINK_BASE_C + HEATSINK_K_PER_KW * converted_kw,
        "grid_frequency_hz": NOMINAL_GRID_HZ,
        "pv_energy_today_kwh": view["pv_energy_today_kwh"],
        "grid_import_energy_today_kwh": view["grid_import_energy_today_kwh"],
        "grid_export_energy_today_kwh": view["grid_export_energy_today_kwh"],
        "pv_energy_kwh": view["pv_energy_total_kwh"],
        "grid_import_energy_kwh": view["grid_import_energy_total_kwh"],
        "grid_export_energy_kwh": view["grid_export_energy_total_kwh"],
        "battery_charge_energy_kwh": view["battery_charge_energy_total_kwh"],
        "battery_discharge_energy_kwh": view["battery_discharge_energy_total_kwh"],
    }
    if not _CONTRACT <= out.keys():
        raise KeyError(f"inverter feed lacks contract signals {sorted(_CONTRACT - out.keys())}")
    return out


_CONTRACT = frozenset(s.name for s in INVERTER_SIGNALS)
