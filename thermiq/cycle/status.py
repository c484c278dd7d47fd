"""The flat status mapping the publish phase hands to MQTT: topic path (relative to thermiq/<site>/) -> value."""

from __future__ import annotations

from thermiq.config.schema import ThermiqConfig
from thermiq.cycle.image import OutputImage, ProcessImage
from thermiq.cycle.scan import ControllerState
from thermiq.iomap.io_list import IoList

INVERTER_FIELDS = ("pv_power_w", "battery_soc_pct", "battery_power_w", "grid_power_w", "load_power_w")
INVERTER_EXTRA = ("battery_voltage_v", "pv_energy_today_kwh", "grid_import_energy_today_kwh",
                  "grid_export_energy_today_kwh", "inverter_temp_c")
METER_FIELDS = ("power_w", "import_energy_kwh", "export_energy_kwh")


def _valve(v, image: ProcessImage) -> str:
    """Position of valve ``v`` from its end switches: the tank of port A or B, moving or unknown."""
    at_a = image.value(v.feedback_a) if v.feedback_a else None
    at_b = image.value(v.feedback_b) if v.feedback_b else None
    if at_a is None or at_b is None:
        return "unknown"
    if at_a and not at_b:
        return v.port_a
    if at_b and not at_a:
        return v.port_b
    return "moving" if not (at_a or at_b) else "unknown"


def build_status(image: ProcessImage, outputs: OutputImage, st: ControllerState, cfg: ThermiqConfig,
                 io_list: IoList, miner_requests: dict[str, float | None], scan_stats: dict) -> dict[str, object]:
    """Every state topic of the registry with its current value (None = invalid)."""
    out: dict[str, object] = {}
    for p in io_list.inputs:
        group = "temperature" if p.signal.endswith("_temp_c") else "contact"
        out[f"state/{group}/{p.signal}"] = image.value(p.signal)
    for p in io_list.outputs:
        out[f"state/output/{p.signal}"] = bool(outputs.digital.get(p.signal, False))
    for v in cfg.valves:
        out[f"state/valve/{v.name}/position"] = _valve(v, image)
    out["state/heat_pump/sg_state"] = st.sg_state.value
    inv = image.inverter
    for f in INVERTER_FIELDS:
        out[f"state/inverter/{f}"] = getattr(inv, f)
    for f in INVERTER_EXTRA:
        out[f"state/inverter/{f}"] = inv.extra.get(f)
    for name, met in image.meters.items():
        for f in METER_FIELDS:
            out[f"state/meter/{name}/{f}"] = getattr(met, f)
    for m in cfg.miners:
        snap = image.miners.get(m.name)
        base = f"state/miner/{m.name}/"
        out[base + "power_w"] = snap.power_w if snap else None
        out[base + "power_target_w"] = snap.power_target_w if snap else None
        out[base + "requested_power_w"] = miner_requests.get(m.name)
        out[base + "state"] = snap.state.value if snap else "unknown"
        out[base + "chip_temp_max_c"] = snap.chip_temp_max_c if snap else None
        out[base + "reachable"] = bool(snap and snap.reachable)
        if m.publishes_hashrate:
            out[base + "hashrate_ths"] = snap.hashrate_ths if snap else None
    for k, v in scan_stats.items():
        out[f"state/scan/{k}"] = v
    locks = st.interlocks
    out["state/safety/latched"] = bool(locks.latched)
    out["state/safety/first_out"] = locks.first_out
    out["state/safety/trips"] = [
        {"id": tid, "state": t.alarm.value, "first_out": t.first_out, "value": t.value, "since_s": t.since_s}
        for tid, t in locks.trips.items() if t.latched]
    out["state/mode"] = st.setpoints.mode
    for name, value in st.setpoints.as_dict().items():
        out[f"setpoints/{name}"] = value
    return out
