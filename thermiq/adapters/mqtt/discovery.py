"""Home Assistant MQTT device discovery payload for one site (pure).

Device-based discovery (HA >= 2024.11, home-assistant.io ``integrations/mqtt`` "Device
discovery payload"): one message on ``homeassistant/device/thermiq_<site>/config`` with
``dev`` (device), ``o`` (origin) and ``cmps`` (components, each with ``p`` = platform and a
``unique_id``). Availability comes from the retained ``thermiq/<site>/status`` topic. The
message is sent (not retained, so no ghost entities) on connect and when HA publishes
``online`` on ``homeassistant/status``.

State payloads are plain JSON; ``null`` renders to ``None``, which HA shows as unknown. Commands
use ``command_template`` to build the envelope with ``request_id`` and ``issued_at`` from
``now()``. Only the setpoints the site configuration lists in
``home_assistant.writable_setpoints`` become writable entities (each needs its broker ACL line,
printed in docs/COMMUNICATION.md); the rest appear as read-only sensors.

Entities carry the registry's plain-words label as their name, device and state classes, the
display precision, and ``entity_category: diagnostic`` for what only a technician reads. The
heartbeat output is not announced (it toggles every scan and is not even published); the latched
trips are one sensor whose state is their count and whose attributes list them.
"""

from __future__ import annotations

import json
import sys

from thermiq.adapters.mqtt.registry import REPO, ROOT, Registry, Topic, registry_for_site
from thermiq.generated import site_generator_main

DEFAULT_OUT = REPO / "deploy/homeassistant/discovery_asp1.json"

EXPIRE_AFTER_S = 300  # > 4 x the 60 s refresh: a silent controller turns its sensors unavailable
_NOW = "{{ now().timestamp() }}"
ENVELOPE = '{"request_id":"ha-' + _NOW + '","issued_at":' + _NOW + ',"value":%s}'
_BIN_TPL = "{% if value_json is none %}None{% elif value_json %}ON{% else %}OFF{% endif %}"
_BIN_INV_TPL = "{% if value_json is none %}None{% elif value_json %}OFF{% else %}ON{% endif %}"  # 1 = healthy


def _object_id(path: str) -> str:
    return path.replace("state/", "", 1).replace("/", "_")


def _trips_component(reg: Registry, t: Topic) -> dict:
    """Trips as a count (the state stays short) with the latched trips as attributes."""
    return {
        "p": "sensor",
        "name": "Latched trips",
        "state_topic": reg.full(t.path),
        "state_class": "measurement",
        "value_template": "{{ value_json | length if value_json is not none else None }}",
        "json_attributes_topic": reg.full(t.path),
        "json_attributes_template": (
            "{{ {'first_out': (value_json | selectattr('first_out') | map(attribute='id')"
            " | first | default(None)) if value_json else None, 'trips': value_json} "
            "| tojson }}"
        ),
        "icon": "mdi:alarm-light",
        "expire_after": EXPIRE_AFTER_S,
    }


def _state_component(reg: Registry, t: Topic) -> dict | None:
    ha = dict(t.ha or {})
    comp = ha.pop("component", None)
    if comp is None:
        return None
    if ha.pop("trips", None):
        return _trips_component(reg, t)
    inverted = ha.pop("inverted", None)
    ha.pop("heat", None)
    c = {
        "p": comp,
        "name": t.label or _object_id(t.path).replace("_", " "),
        "state_topic": reg.full(t.path),
        "expire_after": EXPIRE_AFTER_S,
    }
    if comp == "binary_sensor":
        c["value_template"] = _BIN_INV_TPL if inverted else _BIN_TPL
    else:
        c["value_template"] = "{{ value_json }}"
        if t.unit:
            c["unit_of_measurement"] = t.unit
        if t.precision is not None:
            c["suggested_display_precision"] = t.precision
    c.update(ha)
    return c


def _heat_component(reg: Registry, t: Topic) -> dict:
    """A miner meter's energy again, as the heat it becomes (all electrical input of a miner ends as heat)."""
    return {
        "p": "sensor",
        "name": f"Heat from {t.label.rsplit(' ', 1)[0].lower()}",
        "state_topic": reg.full(t.path),
        "value_template": "{{ value_json }}",
        "unit_of_measurement": "kWh",
        "device_class": "energy",
        "state_class": "total_increasing",
        "suggested_display_precision": t.precision,
        "icon": "mdi:radiator",
        "expire_after": EXPIRE_AFTER_S,
    }


def _setpoint_component(reg: Registry, name: str, writable: bool) -> dict:
    spec = reg.specs[name]
    state = reg.full(f"setpoints/{name}")
    base = {"name": reg[f"setpoints/{name}"].label or name.replace("_", " "), "state_topic": state}
    if not writable:
        c = {"p": "sensor", **base, "value_template": "{{ value_json }}"}
        if spec.unit:
            c["unit_of_measurement"] = spec.unit
        if spec.kind == "enum":
            c.update(device_class="enum", options=list(spec.choices))
        return c
    cmd = {"command_topic": reg.full(f"setpoints/{name}/set"), "qos": 1, "retain": False}
    if spec.kind == "bool":
        return {
            "p": "switch",
            **base,
            **cmd,
            "payload_on": "true",
            "payload_off": "false",
            "state_on": "true",
            "state_off": "false",
            "command_template": ENVELOPE % "{{ value }}",
        }
    if spec.kind == "enum":
        return {
            "p": "select",
            **base,
            **cmd,
            "options": list(spec.choices),
            "value_template": "{{ value_json }}",
            "command_template": ENVELOPE % '"{{ value }}"',
        }
    return {
        "p": "number",
        **base,
        **cmd,
        "min": 0.0 if spec.zero_allowed else spec.lo,
        "max": spec.hi,
        "step": 1.0 if spec.unit == "W" else 0.5,
        "mode": "box",
        "unit_of_measurement": spec.unit,
        "value_template": "{{ value_json }}",
        "command_template": ENVELOPE % "{{ value }}",
    }


def discovery_payload(reg: Registry, writable: bool | None = None, sw_version: str = "0.1.0") -> dict:
    """The device discovery message of ``reg``'s site.

    Parameters
    ----------
    reg : Registry
    writable : bool | None   None: the setpoints the site config lets HA write
        (``home_assistant.writable_setpoints``) are number/select/switch, the rest read-only sensors;
        True: all writable; False: all read-only
    sw_version : str  controller software version shown in HA

    Returns
    -------
    dict  JSON-able payload for ``homeassistant/device/thermiq_<site>/config``.
    """
    dev_id = f"{ROOT}_{reg.site}"
    cmps: dict[str, dict] = {}
    for t in reg.of_kind("state"):
        c = _state_component(reg, t)
        if c is not None:
            cmps[_object_id(t.path)] = c
        if (t.ha or {}).get("heat"):
            cmps[_object_id(t.path) + "_heat"] = _heat_component(reg, t)
    for name in reg.specs:
        w = (name in reg.ha_writable) if writable is None else writable
        cmps[f"setpoint_{name}"] = _setpoint_component(reg, name, w)
    for oid, c in cmps.items():
        c["unique_id"] = f"{dev_id}_{oid}"
    return {
        "dev": {
            "ids": [dev_id],
            "name": f"ThermIQ {reg.site}",
            "mf": "ThermIQ project",
            "mdl": "ThermIQ heating controller (Revolution Pi)",
            "sw": sw_version,
        },
        "o": {"name": "thermiq", "sw": sw_version},
        "availability_topic": reg.full("status"),
        "payload_available": "online",
        "payload_not_available": "offline",
        "qos": 0,
        "cmps": cmps,
    }


def discovery_topic(reg: Registry) -> str:
    """``homeassistant/device/thermiq_<site>/config``."""
    return next(t.path for t in reg.of_kind("discovery"))


def render(reg: Registry) -> str:
    """The discovery message as the controller sends it (pretty-printed, for review and the drift test)."""
    return json.dumps(discovery_payload(reg, sw_version="0.1.0"), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m thermiq.adapters.mqtt.discovery [--config SITE.toml] [-o OUT] [--check]``."""
    return site_generator_main(
        "thermiq.adapters.mqtt.discovery",
        "Home Assistant discovery payload of a site",
        REPO / "thermiq/sites/asp1.toml",
        DEFAULT_OUT,
        lambda site: render(registry_for_site(site)),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
