"""The inverter's signal contract: one set of names from the Deye adapter to the MQTT topic.

Every inverter quantity ThermIQ handles is defined here once: its ThermIQ name (unit in the
name), unit, description and the ``sunsynk`` 0.8.4 sensor id it is read from. The Deye adapter
reads exactly these sensors (:mod:`thermiq.adapters.inverter.deye`), the sign normaliser fills
``InverterSnapshot`` with these names (:mod:`thermiq.adapters.inverter.signs`), the status
publishes them (:mod:`thermiq.cycle.status`) on the topics the registry declares
(:mod:`thermiq.adapters.mqtt.registry`: ``state/inverter/<name>``), and the simulated Deye
encodes them into its registers (``hardware_sim.devices.deye_regs``).

Sensor ids are those of the single-phase and three-phase definitions; the HV definitions call
the first battery ``battery_1_*`` (:data:`HV_ALIASES`). Register sources (Deye Modbus map as
sunsynk decodes it): day energies 108/76/77 (single-phase) and 529/520/521 (three-phase),
totals 78-82/522-525, battery temperature 182/586, radiator (heat-sink) temperature 91/541,
grid frequency 79/609.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InverterSignal:
    """One inverter quantity: ThermIQ ``name``, ``unit``, ``description``, sunsynk ``sensor`` id,
    and the short ``label`` the dashboard and Home Assistant show."""

    name: str
    unit: str
    description: str
    sensor: str
    label: str = ""


#: the five fields of ``InverterSnapshot`` the controllers use (PV power is summed from the strings)
INVERTER_CORE: tuple[InverterSignal, ...] = (
    InverterSignal("pv_power_w", "W", "PV power", "pv_power", "PV power"),
    InverterSignal("battery_soc_pct", "%", "battery state of charge", "battery_soc", "Battery charge"),
    InverterSignal("battery_power_w", "W", "battery power, discharge +", "battery_power", "Battery power"),
    InverterSignal("grid_power_w", "W", "grid power, import +", "grid_power", "Grid power"),
    InverterSignal("load_power_w", "W", "load power (everything behind the inverter)", "load_power", "Consumption"),
)

#: the extended quantities in ``InverterSnapshot.extra`` (telemetry for the operator, not control)
INVERTER_EXTRA: tuple[InverterSignal, ...] = (
    InverterSignal("battery_voltage_v", "V", "battery voltage", "battery_voltage", "Battery voltage"),
    InverterSignal("battery_temp_c", "°C", "battery temperature", "battery_temperature", "Battery temperature"),
    InverterSignal(
        "inverter_temp_c", "°C", "inverter heat-sink temperature", "radiator_temperature", "Inverter temperature"
    ),
    InverterSignal("grid_frequency_hz", "Hz", "grid frequency", "grid_frequency", "Grid frequency"),
    InverterSignal("pv_energy_today_kwh", "kWh", "PV energy today", "day_pv_energy", "PV energy today"),
    InverterSignal(
        "grid_import_energy_today_kwh", "kWh", "grid import energy today", "day_grid_import", "Grid import today"
    ),
    InverterSignal(
        "grid_export_energy_today_kwh", "kWh", "grid export energy today", "day_grid_export", "Grid export today"
    ),
    InverterSignal("pv_energy_kwh", "kWh", "PV energy produced (lifetime counter)", "total_pv_energy", "PV energy"),
    InverterSignal(
        "grid_import_energy_kwh",
        "kWh",
        "energy drawn from the grid (lifetime counter)",
        "total_grid_import",
        "Grid import energy",
    ),
    InverterSignal(
        "grid_export_energy_kwh",
        "kWh",
        "energy fed into the grid (lifetime counter)",
        "total_grid_export",
        "Grid export energy",
    ),
    InverterSignal(
        "battery_charge_energy_kwh",
        "kWh",
        "energy into the battery (lifetime counter)",
        "total_battery_charge",
        "Battery charge energy",
    ),
    InverterSignal(
        "battery_discharge_energy_kwh",
        "kWh",
        "energy out of the battery (lifetime counter)",
        "total_battery_discharge",
        "Battery discharge energy",
    ),
)

INVERTER_SIGNALS = INVERTER_CORE + INVERTER_EXTRA
INVERTER_EXTRA_NAMES = tuple(s.name for s in INVERTER_EXTRA)

#: sensor ids the HV three-phase definitions spell differently (first battery only)
HV_ALIASES = {
    "battery_power": "battery_1_power",
    "battery_soc": "battery_1_soc",
    "battery_voltage": "battery_1_voltage",
    "battery_temperature": "battery_1_temperature",
}
