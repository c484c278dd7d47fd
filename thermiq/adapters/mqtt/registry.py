"""The MQTT topic registry: every topic of a site with direction, QoS, retain, schema and actors.

This is the one source for the bridge, the Home Assistant discovery, the Node-RED flows and
``docs/COMMUNICATION.md``. Topic paths are relative to ``thermiq/<site>/``; the keys of the
status mapping the runner hands the bridge are exactly the paths of the ``state`` and
``setpoint`` topics. Conventions (docs/SOURCES.md S-MQTT): state retained QoS 0,
setpoints in force retained QoS 1, commands QoS 1 never retained, acks QoS 1 not retained,
availability retained QoS 1 with a last will.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal, Mapping, Optional

from pydantic import TypeAdapter

from thermiq.commands.specs import SetpointSpec, setpoint_specs
from thermiq.config.schema import ThermiqConfig
from thermiq.adapters.mqtt import payloads as p
from thermiq.signals import INVERTER_SIGNALS

Kind = Literal["availability", "state", "setpoint", "command", "ack", "discovery", "ha_status"]
CONTROLLER, NODERED, HA, OPERATOR = "thermiq", "nodered", "homeassistant", "operator"
READERS = (NODERED, HA, OPERATOR)
WRITERS = (NODERED, HA, OPERATOR)  # setpoint writers; HA only where its ACL grants it
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
    ha : dict | None     Home Assistant hints: component, device_class, state_class
    """

    path: str
    kind: Kind
    qos: int
    retained: bool
    payload: object
    publisher: tuple[str, ...]
    subscribers: tuple[str, ...]
    unit: Optional[str] = None
    deadband: Optional[float] = None
    description: str = ""
    ha: Optional[Mapping[str, str]] = None

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
    """All topics of one site, in documentation order, plus the writable setpoint specs."""

    site: str
    topics: tuple[Topic, ...]
    specs: Mapping[str, SetpointSpec]
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
        return topic[len(prefix):] if topic.startswith(prefix) else None

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


def _state(path, payload, unit=None, desc="", ha=None, deadband=None) -> Topic:
    db = deadband if deadband is not None else DEADBAND.get(unit or "")
    return Topic(path, "state", 0, True, p.nullable(payload), (CONTROLLER,), READERS, unit, db, desc, ha)


def _sensor(unit: str | None, device_class: str | None = None, state_class: str | None = "measurement"):
    d = {"component": "sensor"}
    if device_class:
        d["device_class"] = device_class
    if state_class:
        d["state_class"] = state_class
    return d


_BIN = {"component": "binary_sensor"}
_TEMP = _sensor("°C", "temperature")
UNIT_HA = {"°C": _TEMP, "W": _sensor("W", "power"), "%": _sensor("%", "battery"),
           "kWh": _sensor("kWh", "energy", "total_increasing"), "V": _sensor("V", "voltage"),
           "TH/s": _sensor("TH/s"), "s": _sensor("s", "duration"), "Hz": _sensor("Hz", "frequency")}

INVERTER_FIELDS = tuple((s.name, s.unit, s.description) for s in INVERTER_SIGNALS)  # thermiq.signals
METERS = ("miners", "heat_pump", "house")
METER_FIELDS = (("power_w", "W", "active power, import +"), ("import_energy_kwh", "kWh", "imported energy"),
                ("export_energy_kwh", "kWh", "exported energy"))
SCAN_FIELDS = (("period_s", float, "s", "configured scan period"), ("cycle_time_s", float, "s", "last scan duration"),
               ("cycle_time_p99_s", float, "s", "99th percentile of the scan duration"),
               ("overruns", int, None, "scans longer than the period"), ("scans", int, None, "scans since start"))


def _kwh_ha(unit):
    ha = dict(UNIT_HA.get(unit, _sensor(unit)))
    if unit == "%":
        ha["device_class"] = "battery"
    return ha


def build_registry(cfg: ThermiqConfig, io_points: Iterable) -> Registry:
    """Build the registry of a site from its configuration and its I/O list.

    io_points : iterable of objects with ``signal``, ``kind`` (rtd|ai_current|di|do) and
    ``description`` (:class:`thermiq.iomap.io_list.IoPoint`).
    """
    site = cfg.site.name
    t: list[Topic] = [Topic("status", "availability", 1, True, p.Availability, (CONTROLLER,), READERS,
                            description="controller availability; last will 'offline'")]
    for pt in io_points:
        if pt.kind in ("rtd", "ai_current") and pt.signal.endswith("_temp_c"):
            t.append(_state(f"state/temperature/{pt.signal}", float, "°C", pt.description, _TEMP))
    for pt in io_points:
        if pt.kind == "di":
            t.append(_state(f"state/contact/{pt.signal}", bool, None, pt.description, _BIN))
    for pt in io_points:
        if pt.kind == "do":
            t.append(_state(f"state/output/{pt.signal}", bool, None, pt.description + " (relay state)", _BIN))
    for v in ("rv1", "rv2"):
        t.append(_state(f"state/valve/{v}/position", p.ValvePosition, None, f"{v.upper()} position",
                        {"component": "sensor"}))
    t.append(_state("state/heat_pump/sg_state", p.SgState, None, "SG-Ready state in force", {"component": "sensor"}))
    for f, unit, desc in INVERTER_FIELDS:
        t.append(_state(f"state/inverter/{f}", float, unit, desc, _kwh_ha(unit)))
    for m in METERS:
        for f, unit, desc in METER_FIELDS:
            t.append(_state(f"state/meter/{m}/{f}", float, unit, f"meter {m}: {desc}", _kwh_ha(unit)))
    for mc in cfg.miners:
        base = f"state/miner/{mc.name}"
        t += [_state(f"{base}/power_w", float, "W", "measured power", _kwh_ha("W")),
              _state(f"{base}/power_target_w", float, "W", "power target in force on the miner", _kwh_ha("W")),
              _state(f"{base}/requested_power_w", float, "W", "power the controller requests", _kwh_ha("W")),
              _state(f"{base}/state", p.MinerStateName, None, "Braiins OS state", {"component": "sensor"}),
              _state(f"{base}/chip_temp_max_c", float, "°C", "hottest chip", _TEMP),
              _state(f"{base}/reachable", bool, None, "gRPC API reachable", _BIN)]
        if mc.publishes_hashrate:
            t.append(_state(f"{base}/hashrate_ths", float, "TH/s", "hashrate", _kwh_ha("TH/s")))
    for f, tp, unit, desc in SCAN_FIELDS:
        db = 20 if f == "scans" else None
        t.append(_state(f"state/scan/{f}", tp, unit, desc, _sensor(unit, "duration" if unit else None),
                        deadband=db))
    t += [_state("state/safety/latched", bool, None, "a software trip is latched", _BIN),
          _state("state/safety/first_out", str, None, "id of the first trip, null if none", {"component": "sensor"}),
          _state("state/safety/trips", list[p.TripItem], None, "trip table (opaque items)"),
          _state("state/mode", p.Mode, None, "operating mode in force", {"component": "sensor"})]
    specs = setpoint_specs(cfg)
    for s in specs.values():
        tp = {"float": float, "bool": bool, "enum": p.Mode}[s.kind]
        t.append(Topic(f"setpoints/{s.name}", "setpoint", 1, True, tp, (CONTROLLER,), READERS, s.unit, None,
                       f"{s.description} (value in force)"))
    for s in specs.values():
        t.append(Topic(f"setpoints/{s.name}/set", "command", 1, False, p.SetpointPayload, WRITERS, (CONTROLLER,),
                       s.unit, None, f"write {s.name}: {_limits(s)}"))
        t.append(Topic(f"setpoints/{s.name}/set/ack", "ack", 1, False, p.AckPayload, (CONTROLLER,), WRITERS,
                       description=f"outcome of a write to {s.name}"))
    for action in ("reset", "ack"):
        what = "reset the software trip latch (SA-002)" if action == "reset" else "acknowledge alarms (SA-007)"
        t.append(Topic(f"cmd/safety/{action}", "command", 1, False, p.SafetyPayload, SAFETY_WRITERS,
                       (CONTROLLER,), description=what))
        t.append(Topic(f"cmd/safety/{action}/ack", "ack", 1, False, p.AckPayload, (CONTROLLER,), SAFETY_WRITERS,
                       description=f"outcome of a safety {action}"))
    t.append(Topic(f"{HA_PREFIX}/device/{ROOT}_{site}/config", "discovery", 1, False, dict, (CONTROLLER,), (HA,),
                   description="Home Assistant device discovery (sent on connect and on HA birth)"))
    t.append(Topic(f"{HA_PREFIX}/status", "ha_status", 1, True, p.Availability, (HA,), (CONTROLLER,),
                   description="Home Assistant birth/last will; 'online' triggers re-discovery"))
    return Registry(site, tuple(t), specs)


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
