"""What the plant's instances say about each published value: plain-words label, HA class, bands.

Pure functions of the site configuration and the I/O list. The topic registry
(:mod:`thermiq.adapters.mqtt.registry`) and the status producer (:mod:`thermiq.cycle.status`)
both build from these, so a tank, pump, valve, miner, meter or heating circuit declared in the
site TOML appears in the topic tree, the discovery payload, the dashboard and the docs with the
label the site gave it. No signal name is written here: every one comes from an instance.

Bands (``Band``) colour a value on the dashboard: ``cold`` below the tank's switch-on point
(setpoint - hysteresis), ``ok`` up to its charging limit ``max_c``, ``high`` up to the software
trip limit, ``trip`` at and above it (limits from ``[limits]`` of the site file).
"""

from __future__ import annotations

from dataclasses import dataclass

from thermiq.config.schema import ThermiqConfig

#: display precision (decimals) per unit; a value is rounded to this on the dashboard and in HA
PRECISION = {
    "°C": 1,
    "K": 1,
    "W": 0,
    "%": 0,
    "kWh": 1,
    "V": 1,
    "TH/s": 1,
    "s": 3,
    "Hz": 2,
    "EUR/kWh": 3,
    "USD/TH/day": 3,
}
#: trip limit (LimitsConfig field) of a tank's top sensor, by the tank's role
TANK_TRIP = {"buffer": "buffer_top_trip_c", "dhw": "dhw_trip_c"}


@dataclass(frozen=True)
class Band:
    """From ``lo`` (inclusive) upwards the value is in ``level`` (cold | ok | high | trip | low)."""

    lo: float
    level: str


@dataclass(frozen=True)
class SignalMeta:
    """label : plain words; device_class : HA binary_sensor/sensor class or None;
    inverted : the contact reads 1 = healthy, so HA's ``problem``/``safety`` ON is the 0 state;
    diagnostic : HA ``entity_category: diagnostic``; bands : colour bands (ascending ``lo``)."""

    label: str
    device_class: str | None = None
    inverted: bool = False
    diagnostic: bool = False
    bands: tuple[Band, ...] = ()


def _ascending(*bands: Band) -> tuple[Band, ...]:
    """Bands sorted by where they start; nothing above the trip band (a limit set below a target wins)."""
    out: list[Band] = []
    for b in sorted(bands, key=lambda b: b.lo):
        out.append(b)
        if b.level == "trip":
            break
    return tuple(out)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _short(description: str) -> str:
    """The I/O list's description up to its first colon, without parentheses."""
    head = description.split(":", 1)[0]
    while "(" in head and ")" in head:
        a, b = head.index("("), head.index(")")
        head = (head[:a] + head[b + 1 :]) if a < b else head[:b]
    return " ".join(head.split())


def tank_label(cfg: ThermiqConfig, name: str) -> str:
    t = cfg.tank(name)
    return t.label or t.name


def temperature_meta(cfg: ThermiqConfig, io_points) -> dict[str, SignalMeta]:
    """Label and bands of every temperature signal of the I/O list."""
    lim = cfg.limits
    out: dict[str, SignalMeta] = {
        p.signal: SignalMeta(_cap(_short(p.description)))
        for p in io_points
        if p.kind in ("rtd", "ai_current") and p.signal.endswith("_temp_c")
    }
    for t in cfg.tanks:
        name = t.label or t.name
        on = t.setpoint_c - t.hysteresis_k
        trip = getattr(lim, TANK_TRIP[t.role])
        bands = _ascending(Band(-1e9, "cold"), Band(on, "ok"), Band(t.max_c, "high"), Band(trip, "trip"))
        for pos, sig in zip(("top", "middle", "bottom"), (t.top_temp_signal, t.mid_temp_signal, t.bottom_temp_signal)):
            if sig:
                label = f"{name} {pos}" if len(t.temp_signals) > 1 else name
                out[sig] = SignalMeta(_cap(label), bands=bands)
    loop = cfg.miner_loop
    out[loop.supply_temp_signal] = SignalMeta(
        "Miner loop supply",
        bands=(
            Band(-1e9, "ok"),
            Band(lim.miner_loop_supply_trip_c - lim.clear_hysteresis_k, "high"),
            Band(lim.miner_loop_supply_trip_c, "trip"),
        ),
    )
    out[loop.return_temp_signal] = SignalMeta("Miner loop return")
    for m in cfg.miners:
        out[m.outlet_temp_signal] = SignalMeta(
            f"Miner {m.name} outlet",
            bands=(
                Band(-1e9, "ok"),
                Band(lim.miner_outlet_trip_c - lim.clear_hysteresis_k, "high"),
                Band(lim.miner_outlet_trip_c, "trip"),
            ),
        )
    for c in cfg.heating_circuits:
        name = c.label or c.name
        out[c.flow_temp_signal] = SignalMeta(
            _cap(f"{name} flow"),
            bands=(
                Band(-1e9, "ok"),
                Band(lim.heating_flow_trip_c - lim.clear_hysteresis_k, "high"),
                Band(lim.heating_flow_trip_c, "trip"),
            ),
        )
        if c.return_temp_signal:
            out[c.return_temp_signal] = SignalMeta(_cap(f"{name} return"))
        if c.room_temp_signal:
            room = cfg.heating.room_setpoint_c
            out[c.room_temp_signal] = SignalMeta(
                f"Room ({name})", bands=(Band(-1e9, "cold"), Band(room - 1.0, "ok"), Band(room + 3.0, "high"))
            )
    out[cfg.cabinet.outdoor_temp_signal] = SignalMeta("Outdoor")
    return out


def contact_meta(cfg: ThermiqConfig, io_points) -> dict[str, SignalMeta]:
    """Label and HA class of every digital input of the I/O list."""
    out = {p.signal: SignalMeta(_cap(_short(p.description)), diagnostic=True) for p in io_points if p.kind == "di"}
    for m in cfg.miners:
        out[m.contactor_feedback] = SignalMeta(f"Miner {m.name} contactor (feedback)", "power", diagnostic=True)
    for v in cfg.valves:
        name = v.label or v.name
        for sig, port in ((v.feedback_a, v.port_a), (v.feedback_b, v.port_b)):
            if sig:
                out[sig] = SignalMeta(_cap(f"{name} at {tank_label(cfg, port)}"), diagnostic=True)
    if cfg.heat_pump.fault_ok_signal:
        out[cfg.heat_pump.fault_ok_signal] = SignalMeta("Heat pump fault", "problem", inverted=True)
    if cfg.cabinet.manual_mode_input:
        out[cfg.cabinet.manual_mode_input] = SignalMeta("Cabinet key switch at hand")
    for sig in cfg.cabinet.safety_chain_inputs:
        out[sig] = SignalMeta(out[sig].label if sig in out else sig, "safety", inverted=True)
    return out


def output_meta(cfg: ThermiqConfig, io_points) -> dict[str, SignalMeta]:
    """Label and HA class of every published digital output (the heartbeat is not published)."""
    out = {
        p.signal: SignalMeta(_cap(_short(p.description)), diagnostic=True)
        for p in io_points
        if p.kind == "do" and p.signal != cfg.cabinet.heartbeat_output
    }
    for p in cfg.pumps:
        out[p.output] = SignalMeta(_cap(f"{p.label or p.name} ({p.name.upper()})"), "running")
    for m in cfg.miners:
        out[m.contactor_output] = SignalMeta(f"Miner {m.name} contactor command", "power", diagnostic=True)
    for v in cfg.valves:
        out[v.output] = SignalMeta(_cap(f"{v.label or v.name} to {tank_label(cfg, v.port_a)}"), diagnostic=True)
    hp = cfg.heat_pump
    out[hp.sg_in1_output] = SignalMeta("Heat pump SG-Ready input 1 (block)", diagnostic=True)
    out[hp.sg_in4_output] = SignalMeta("Heat pump SG-Ready input 4 (boost)", diagnostic=True)
    if cfg.cabinet.alarm_lamp_output:
        out[cfg.cabinet.alarm_lamp_output] = SignalMeta("Alarm lamp", "problem")
    return out


def valve_position(at_a: bool | None, at_b: bool | None, port_a: str, port_b: str) -> str:
    """A change-over valve's position from its two end switches: a port name, ``moving`` or ``unknown``."""
    if at_a is None or at_b is None:
        return "unknown"
    if at_a and not at_b:
        return port_a
    if at_b and not at_a:
        return port_b
    return "moving" if not (at_a or at_b) else "unknown"


def soc_bands(cfg: ThermiqConfig) -> tuple[Band, ...]:
    """Battery SoC: ``low`` below the level where running miners stop (priority SoC - hysteresis), ``ok`` above."""
    e = cfg.energy
    return (Band(-1e9, "low"), Band(max(0.0, e.priority_soc_pct - e.soc_hysteresis_pct), "ok"))
