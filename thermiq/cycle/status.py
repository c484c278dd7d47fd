"""The flat status mapping the publish phase hands to MQTT: topic path (relative to thermiq/<site>/) -> value.

Built per instance from the site configuration, exactly like the topic registry
(``thermiq.adapters.mqtt.registry.build_registry``; a test checks the two key sets are equal):
temperatures, contacts and outputs from the I/O list (the heartbeat output is not published: it
toggles every scan), valve positions from ``[[valves]]``, meters from ``[[fieldbus.meters]]``,
miners from ``[[miners]]``. Latched trips carry what an operator needs to act: the trip table's
cause and hint, the value that tripped, the limit with its unit, and the wall-clock time.
"""

from __future__ import annotations

from thermiq.adapters.mqtt.instances import valve_position
from thermiq.adapters.mqtt.registry import INVERTER_FIELDS, METER_FIELDS, MINER_FIELDS
from thermiq.config.schema import ThermiqConfig
from thermiq.cycle.image import OutputImage, ProcessImage
from thermiq.cycle.scan import ControllerState
from thermiq.interlocks.evaluate import CompiledTrip, compile_table
from thermiq.iomap.io_list import IoList
from thermiq.signals import INVERTER_CORE as _CORE

INVERTER_CORE = tuple(s.name for s in _CORE)  # InverterSnapshot fields; the rest is in .extra (thermiq.signals)
#: unit of a trip limit from the suffix of its configuration field
LIMIT_UNITS = (("_c", "°C"), ("_k", "K"), ("_w", "W"), ("_s", "s"), ("_pct", "%"))


def limit_unit(spec) -> str | None:
    """Unit of a trip row's limit (from the configuration field's suffix), None without a limit."""
    name = spec.limit[0] if isinstance(spec.limit, tuple) else spec.limit
    if not name:
        return None
    return next((u for suffix, u in LIMIT_UNITS if name.endswith(suffix)), None)


def trip_items(st: ControllerState, table: tuple[CompiledTrip, ...], now_s: float, wall_s: float) -> list[dict]:
    """The latched trips, first-out first, each with cause, hint, value, limit, unit and wall-clock time."""
    rows = {row.spec.id: row for row in table}
    items = []
    for tid, t in st.interlocks.trips.items():
        if not t.latched:
            continue
        row = rows.get(tid)
        limit = None if row is None else (list(row.limit) if isinstance(row.limit, tuple) else row.limit)
        # whole seconds: wall and monotonic clocks are read microseconds apart each scan, and a list
        # that changed in its last digits would be republished every scan
        since_wall = None if t.since_s is None else float(round(wall_s - (now_s - t.since_s)))
        items.append(
            {
                "id": tid,
                "state": t.alarm.value,
                "first_out": t.first_out,
                "value": t.value,
                "limit": limit,
                "unit": None if row is None else limit_unit(row.spec),
                "cause": "" if row is None else row.spec.cause,
                "hint": "" if row is None else row.spec.hint,
                "since_s": t.since_s,
                "since_wall_s": since_wall,
            }
        )
    items.sort(key=lambda i: (not i["first_out"], i["since_s"] if i["since_s"] is not None else float("inf")))
    return items


def build_status(
    image: ProcessImage,
    outputs: OutputImage,
    st: ControllerState,
    cfg: ThermiqConfig,
    io_list: IoList,
    miner_requests: dict[str, float | None],
    scan_stats: dict,
    table: tuple[CompiledTrip, ...] | None = None,
) -> dict[str, object]:
    """Every state and setpoint topic of the registry with its current value (None = invalid).

    table : the compiled trip table the core evaluates (``Core.table``); compiled from ``cfg`` if None.
    """
    out: dict[str, object] = {}
    for p in io_list.inputs:
        group = "temperature" if p.signal.endswith("_temp_c") else "contact"
        out[f"state/{group}/{p.signal}"] = image.value(p.signal)
    for p in io_list.outputs:
        if p.signal != cfg.cabinet.heartbeat_output:
            out[f"state/output/{p.signal}"] = bool(outputs.digital.get(p.signal, False))
    for v in cfg.valves:
        if v.feedback_a and v.feedback_b:
            out[f"state/valve/{v.name}/position"] = valve_position(
                image.value(v.feedback_a), image.value(v.feedback_b), v.port_a, v.port_b
            )
    out["state/heat_pump/sg_state"] = st.sg_state.value
    if cfg.fieldbus.inverter is not None:
        inv = image.inverter
        for f, *_ in INVERTER_FIELDS:
            out[f"state/inverter/{f}"] = getattr(inv, f) if f in INVERTER_CORE else inv.extra.get(f)
    for mb in cfg.fieldbus.meters:
        met = image.meters.get(mb.name)
        for f, *_ in METER_FIELDS:
            out[f"state/meter/{mb.name}/{f}"] = getattr(met, f) if met is not None else None
    for m in cfg.miners:
        snap = image.miners.get(m.name)
        base = f"state/miner/{m.name}/"
        for f, *_ in MINER_FIELDS:
            if f == "requested_power_w":
                out[base + f] = miner_requests.get(m.name)
            elif f == "state":
                out[base + f] = snap.state.value if snap else "unknown"
            elif f == "reachable":
                out[base + f] = bool(snap and snap.reachable)
            else:
                out[base + f] = getattr(snap, f) if snap else None
        if m.publishes_hashrate:
            out[base + "hashrate_ths"] = snap.hashrate_ths if snap else None
    for k, v in scan_stats.items():
        out[f"state/scan/{k}"] = v
    locks = st.interlocks
    out["state/safety/latched"] = bool(locks.latched)
    out["state/safety/first_out"] = locks.first_out
    out["state/safety/trips"] = trip_items(
        st, compile_table(cfg) if table is None else table, image.now_s, image.wall_s
    )
    out["state/mode"] = st.setpoints.mode
    for name, value in st.setpoints.as_dict().items():
        out[f"setpoints/{name}"] = value
    return out
