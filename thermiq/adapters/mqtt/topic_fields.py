"""What the topic registry publishes per instance kind, and the Home Assistant hints of each value.

Field tables (inverter, meters, miners, scan) with unit, label and description; HA component,
device class, state class and entity category per unit or per field (home-assistant.io
``integrations/sensor`` and ``integrations/binary_sensor`` device-class lists). Used by
:mod:`thermiq.adapters.mqtt.registry` and, for the field names, :mod:`thermiq.cycle.status`.
"""

from __future__ import annotations

from thermiq.adapters.mqtt import payloads as p
from thermiq.adapters.mqtt.instances import SignalMeta
from thermiq.signals import INVERTER_SIGNALS


def _sensor(device_class: str | None = None, state_class: str | None = "measurement", **extra):
    d = {"component": "sensor", **extra}
    if device_class:
        d["device_class"] = device_class
    if state_class:
        d["state_class"] = state_class
    return d


def _binary(m: SignalMeta) -> dict:
    d = {"component": "binary_sensor"}
    if m.device_class:
        d["device_class"] = m.device_class
    if m.inverted:
        d["inverted"] = "true"
    if m.diagnostic:
        d["entity_category"] = "diagnostic"
    return d


_TEMP = _sensor("temperature")
_ENERGY = _sensor("energy", "total_increasing")
UNIT_HA = {
    "°C": _TEMP,
    "W": _sensor("power"),
    "%": _sensor("battery"),
    "kWh": _ENERGY,
    "V": _sensor("voltage"),
    "TH/s": _sensor(),
    "s": _sensor("duration", entity_category="diagnostic"),
    "Hz": _sensor("frequency"),
}
_ENUM = {"component": "sensor", "device_class": "enum"}

#: (field, unit, label, description); the energy counters are the Deye's lifetime totals (HA's
#: Energy dashboard takes total_increasing counters and computes the days itself)
INVERTER_FIELDS = tuple((s.name, s.unit, s.label, s.description) for s in INVERTER_SIGNALS)  # thermiq.signals
METER_FIELDS = (
    ("power_w", "W", "power", "active power, import +"),
    ("import_energy_kwh", "kWh", "energy", "imported energy (counter)"),
    ("export_energy_kwh", "kWh", "exported energy", "exported energy (counter)"),
)
SCAN_FIELDS = (
    ("period_s", float, "s", "Scan period", "configured scan period"),
    ("cycle_time_s", float, "s", "Scan duration", "last scan duration"),
    ("cycle_time_p99_s", float, "s", "Scan duration p99", "99th percentile of the scan duration"),
    ("overruns", int, None, "Scan overruns", "scans longer than the period"),
    ("scans", int, None, "Scans since start", "scans since start"),
)
MINER_FIELDS = (
    ("power_w", float, "W", "power", "measured power"),
    ("power_target_w", float, "W", "power target", "power target in force on the miner"),
    ("requested_power_w", float, "W", "requested power", "power the controller requests"),
    ("state", p.MinerStateName, None, "state", "Braiins OS state"),
    ("chip_temp_max_c", float, "°C", "hottest chip", "hottest chip"),
    ("reachable", bool, None, "reachable", "gRPC API reachable"),
)


def _ha(unit):
    return dict(UNIT_HA.get(unit, _sensor()))


def _meter_ha(role: str, field: str, unit: str | None) -> dict:
    ha = _ha(unit)
    if field == "import_energy_kwh" and role == "miners":
        ha["heat"] = "true"  # a miner turns its electrical input into heat (energy conservation)
    if field == "export_energy_kwh":
        ha["entity_category"] = "diagnostic"
    return ha
