"""The MQTT topic registry: every topic of a site with direction, QoS, retain, schema and actors.

This is the one source for the bridge, the Home Assistant discovery, the Node-RED flows and
``docs/COMMUNICATION.md``. Topic paths are relative to ``thermiq/<site>/``; the keys of the
status mapping the runner hands the bridge are exactly the paths of the ``state`` and
``setpoint`` topics. Conventions (docs/SOURCES.md S-MQTT): state retained QoS 0,
setpoints in force retained QoS 1, commands QoS 1 never retained, acks QoS 1 not retained,
availability retained QoS 1 with a last will.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import TypeAdapter

from thermiq.adapters.mqtt import payloads as p
from thermiq.adapters.mqtt.instances import PRECISION, Band, contact_meta, output_meta, soc_bands, temperature_meta
from thermiq.adapters.mqtt.site_view import site_view
from thermiq.adapters.mqtt.topic_fields import (
    _ENUM,
    _TEMP,
    INVERTER_FIELDS,
    METER_FIELDS,
    MINER_FIELDS,  # noqa: F401
    SCAN_FIELDS,
    _binary,
    _ha,
    _meter_ha,
    _sensor,
)
from thermiq.commands.specs import SetpointSpec, setpoint_specs
from thermiq.config.schema import ThermiqConfig

Kind = Literal["availability", "state", "setpoint", "command", "ack", "discovery", "ha_status"]
CONTROLLER, NODERED, HA, OPERATOR = "thermiq", "nodered", "homeassistant", "operator"
READERS = (NODERED, HA, OPERATOR)
WRITERS = (NODERED, HA, OPERATOR)  # setpoint writers; HA only where the site config lets it
SAFETY_WRITERS = (NODERED, OPERATOR)
ROOT = "thermiq"
HA_PREFIX = "homeassistant"
REPO = Path(__file__).resolve().parents[3]

#: deadband per unit for publish-on-change (an engineering choice: below sensor resolution
#: noise / meter resolution). Topics without a deadband publish on any change.
DEADBAND = {"°C": 0.1, "W": 20.0, "%": 0.5, "kWh": 0.01, "V": 0.1, "TH/s": 0.5, "s": 0.005}


@dataclass(frozen=True)
class Topic:
    """One topic.

    path : str           relative to ``thermiq/<site>/`` (or absolute for ``discovery``/``ha_status``)
    kind : str           availability | state | setpoint | command | ack | discovery | ha_status
    qos : int            0 or 1; retained : bool
    payload : object     Python type the JSON payload validates against (pydantic ``TypeAdapter``)
    unit : str | None    unit of a numeric value
    publisher : tuple    actors that publish; subscribers : tuple  actors that subscribe
    deadband : float | None   minimum change that triggers a publish (state topics)
    description : str
    ha : dict | None     Home Assistant hints: component, device_class, state_class, entity_category
    label : str          plain words for people (dashboard, HA friendly name, docs)
    precision : int | None   decimals shown (dashboard, HA ``suggested_display_precision``)
    bands : tuple[Band]  colour bands from the configured targets and limits (ascending)
    """

    path: str
    kind: Kind
    qos: int
    retained: bool
    payload: object
    publisher: tuple[str, ...]
    subscribers: tuple[str, ...]
    unit: str | None = None
    deadband: float | None = None
    description: str = ""
    ha: Mapping[str, object] | None = None
    label: str = ""
    precision: int | None = None
    bands: tuple[Band, ...] = ()

    @property
    def adapter(self) -> TypeAdapter:
        return _adapter(self.payload)

    def json_schema(self) -> dict:
        """JSON schema of the payload (pydantic)."""
        return self.adapter.json_schema()


_ADAPTERS: dict = {}


def _adapter(tp) -> TypeAdapter:
    key = repr(tp)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = TypeAdapter(tp)
    return _ADAPTERS[key]


@dataclass(frozen=True)
class Registry:
    """All topics of one site, in documentation order, the writable setpoint specs, and the setpoints
    Home Assistant may write (``home_assistant.writable_setpoints`` of the site config)."""

    site: str
    topics: tuple[Topic, ...]
    specs: Mapping[str, SetpointSpec]
    ha_writable: frozenset = frozenset()
    view: Mapping = field(default_factory=dict, compare=False)  #: site_view(cfg): the drawing model
    _by: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        for t in self.topics:
            if t.path in self._by:
                raise ValueError(f"duplicate topic {t.path!r}")
            self._by[t.path] = t

    @property
    def base(self) -> str:
        return f"{ROOT}/{self.site}"

    def full(self, path: str) -> str:
        """Absolute topic of a relative path (``discovery``/``ha_status`` paths are absolute)."""
        t = self._by.get(path)
        if t is not None and t.kind in ("discovery", "ha_status"):
            return path
        return f"{self.base}/{path}"

    def relative(self, topic: str) -> str | None:
        """Path relative to the site root, or ``None`` if ``topic`` is outside it."""
        prefix = self.base + "/"
        return topic[len(prefix) :] if topic.startswith(prefix) else None

    def get(self, path: str) -> Topic | None:
        return self._by.get(path)

    def __getitem__(self, path: str) -> Topic:
        return self._by[path]

    def __contains__(self, path: str) -> bool:
        return path in self._by

    def of_kind(self, *kinds: str) -> tuple[Topic, ...]:
        return tuple(t for t in self.topics if t.kind in kinds)

    def status_keys(self) -> tuple[str, ...]:
        """Keys of the status mapping the runner publishes (state and setpoint topics)."""
        return tuple(t.path for t in self.of_kind("state", "setpoint"))

    def absolute_topics(self) -> tuple[str, ...]:
        return tuple(self.full(t.path) for t in self.topics)


def _state(path, payload, unit=None, desc="", ha=None, deadband=None, label="", bands=()) -> Topic:
    db = deadband if deadband is not None else DEADBAND.get(unit or "")
    return Topic(
        path,
        "state",
        0,
        True,
        p.nullable(payload),
        (CONTROLLER,),
        READERS,
        unit,
        db,
        desc,
        ha,
        label or desc,
        PRECISION.get(unit or ""),
        tuple(bands),
    )


def build_registry(cfg: ThermiqConfig, io_points: Iterable) -> Registry:
    """Build the registry of a site from its configuration and its I/O list.

    io_points : iterable of objects with ``signal``, ``kind`` (rtd|ai_current|di|do) and
    ``description`` (:class:`thermiq.iomap.io_list.IoPoint`).

    Raises ValueError if ``home_assistant.writable_setpoints`` names a setpoint the site lacks.
    """
    io_points = tuple(io_points)
    site = cfg.site.name
    t: list[Topic] = [
        Topic(
            "status",
            "availability",
            1,
            True,
            p.Availability,
            (CONTROLLER,),
            READERS,
            description="controller availability; last will 'offline'",
            label="Controller",
        )
    ]
    temps, contacts, outputs = (f(cfg, io_points) for f in (temperature_meta, contact_meta, output_meta))
    for pt in io_points:
        if pt.signal in temps:
            m = temps[pt.signal]
            t.append(
                _state(
                    f"state/temperature/{pt.signal}", float, "°C", pt.description, _TEMP, label=m.label, bands=m.bands
                )
            )
    for pt in io_points:
        if pt.signal in contacts:
            m = contacts[pt.signal]
            t.append(_state(f"state/contact/{pt.signal}", bool, None, pt.description, _binary(m), label=m.label))
    for pt in io_points:
        if pt.signal in outputs:
            m = outputs[pt.signal]
            t.append(
                _state(
                    f"state/output/{pt.signal}",
                    bool,
                    None,
                    pt.description + " (relay state)",
                    _binary(m),
                    label=m.label,
                )
            )
    for v in cfg.valves:
        if v.feedback_a and v.feedback_b:
            opts = (v.port_a, v.port_b, "moving", "unknown")
            t.append(
                _state(
                    f"state/valve/{v.name}/position",
                    Literal[opts],
                    None,  # type: ignore[valid-type]
                    f"{v.name.upper()} position from its end switches",
                    {**_ENUM, "options": list(opts)},
                    label=f"{(v.label or v.name)[:1].upper()}{(v.label or v.name)[1:]} position",
                )
            )
    t.append(
        _state(
            "state/heat_pump/sg_state",
            p.SgState,
            None,
            "SG-Ready state in force",
            {**_ENUM, "options": list(p.SG_STATES)},
            label="Heat pump SG-Ready state",
        )
    )
    if cfg.fieldbus.inverter is not None:
        for f, unit, label, desc in INVERTER_FIELDS:
            bands = soc_bands(cfg) if f == "battery_soc_pct" else ()
            t.append(_state(f"state/inverter/{f}", float, unit, desc, _ha(unit), label=label, bands=bands))
    for mb in cfg.fieldbus.meters:
        name = mb.label or mb.name
        for f, unit, what, desc in METER_FIELDS:
            t.append(
                _state(
                    f"state/meter/{mb.name}/{f}",
                    float,
                    unit,
                    f"meter {mb.name} ({mb.role}): {desc}",
                    _meter_ha(mb.role, f, unit),
                    label=f"{name[:1].upper()}{name[1:]} {what}",
                )
            )
    for mc in cfg.miners:
        base = f"state/miner/{mc.name}"
        fields = MINER_FIELDS + (
            (("hashrate_ths", float, "TH/s", "hashrate", "hashrate"),) if mc.publishes_hashrate else ()
        )
        for f, tp, unit, what, desc in fields:
            ha = (
                _ha(unit)
                if unit
                else (
                    {**_ENUM, "options": list(p.MINER_STATES)}
                    if f == "state"
                    else {"component": "binary_sensor", "device_class": "connectivity", "entity_category": "diagnostic"}
                )
            )
            if f in ("requested_power_w", "power_target_w", "chip_temp_max_c"):
                ha["entity_category"] = "diagnostic"
            t.append(_state(f"{base}/{f}", tp, unit, desc, ha, label=f"Miner {mc.name} {what}"))
    for f, tp, unit, label, desc in SCAN_FIELDS:
        db = 20 if f == "scans" else None
        ha = _sensor("duration" if unit else None, entity_category="diagnostic")
        t.append(_state(f"state/scan/{f}", tp, unit, desc, ha, deadband=db, label=label))
    t += [
        _state(
            "state/safety/latched",
            bool,
            None,
            "a software trip is latched",
            {"component": "binary_sensor", "device_class": "problem"},
            label="Trip latched",
        ),
        _state(
            "state/safety/first_out",
            str,
            None,
            "id of the first trip, null if none",
            {"component": "sensor"},
            label="First-out trip",
        ),
        _state(
            "state/safety/trips",
            list[p.TripItem],
            None,
            "latched trips: id, ISA-18.2 state, cause, hint, value, limit, unit, wall-clock time",
            {"component": "sensor", "trips": "true"},
            label="Latched trips",
        ),
        _state(
            "state/mode",
            p.Mode,
            None,
            "operating mode in force",
            {**_ENUM, "options": ["auto", "manual"]},
            label="Operating mode",
        ),
    ]
    specs = setpoint_specs(cfg)
    unknown = sorted(set(cfg.home_assistant.writable_setpoints) - set(specs))
    if unknown:
        raise ValueError(
            f"home_assistant.writable_setpoints names {unknown}, not setpoints of this site (have {sorted(specs)})"
        )
    ha_writable = frozenset(cfg.home_assistant.writable_setpoints)
    for s in specs.values():
        tp = {"float": float, "bool": bool, "enum": p.Mode}[s.kind]
        t.append(
            Topic(
                f"setpoints/{s.name}",
                "setpoint",
                1,
                True,
                tp,
                (CONTROLLER,),
                READERS,
                s.unit,
                None,
                f"{s.description} (value in force)",
                label=_cap(s.description),
                precision=PRECISION.get(s.unit or ""),
            )
        )
    for s in specs.values():
        writers = WRITERS if s.name in ha_writable else (NODERED, OPERATOR)
        t.append(
            Topic(
                f"setpoints/{s.name}/set",
                "command",
                1,
                False,
                p.SetpointPayload,
                writers,
                (CONTROLLER,),
                s.unit,
                None,
                f"write {s.name}: {_limits(s)}",
            )
        )
        t.append(
            Topic(
                f"setpoints/{s.name}/set/ack",
                "ack",
                1,
                False,
                p.AckPayload,
                (CONTROLLER,),
                writers,
                description=f"outcome of a write to {s.name}",
            )
        )
    for action in ("reset", "ack"):
        what = "reset the software trip latch (SA-002)" if action == "reset" else "acknowledge alarms (SA-007)"
        t.append(
            Topic(
                f"cmd/safety/{action}",
                "command",
                1,
                False,
                p.SafetyPayload,
                SAFETY_WRITERS,
                (CONTROLLER,),
                description=what,
            )
        )
        t.append(
            Topic(
                f"cmd/safety/{action}/ack",
                "ack",
                1,
                False,
                p.AckPayload,
                (CONTROLLER,),
                SAFETY_WRITERS,
                description=f"outcome of a safety {action}",
            )
        )
    t.append(
        Topic(
            f"{HA_PREFIX}/device/{ROOT}_{site}/config",
            "discovery",
            1,
            False,
            dict,
            (CONTROLLER,),
            (HA,),
            description="Home Assistant device discovery (sent on connect and on HA birth)",
        )
    )
    t.append(
        Topic(
            f"{HA_PREFIX}/status",
            "ha_status",
            1,
            True,
            p.Availability,
            (HA,),
            (CONTROLLER,),
            description="Home Assistant birth/last will; 'online' triggers re-discovery",
        )
    )
    return Registry(site, tuple(t), specs, ha_writable, site_view(cfg))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _limits(s: SetpointSpec) -> str:
    if s.kind == "bool":
        return "true | false"
    if s.kind == "enum":
        return " | ".join(s.choices)
    z = "0 or " if s.zero_allowed else ""
    return f"{z}{s.lo:g}..{s.hi:g} {s.unit}"


def registry_for_site(config_path: str | Path) -> Registry:
    """Load a site configuration and its I/O list (path relative to the repository) into a registry."""
    from thermiq.config.load import load_config
    from thermiq.iomap.io_list import load_io_list

    cfg = load_config(config_path)
    io_path = Path(cfg.process_image.io_list)
    if not io_path.is_absolute():
        io_path = REPO / io_path
    return build_registry(cfg, load_io_list(io_path).points)
