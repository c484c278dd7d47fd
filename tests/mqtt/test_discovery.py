"""Home Assistant device discovery payload checked against the documented schema.

Schema source: home-assistant.io ``integrations/mqtt`` (device discovery: ``dev``, ``o``, ``cmps``
with ``p`` and ``unique_id``; shared availability) and the platform pages ``sensor.mqtt``,
``binary_sensor.mqtt``, ``number.mqtt``, ``select.mqtt``, ``switch.mqtt`` (option names below).
Templates are rendered with Jinja2 (HA templates are Jinja2; ``now()`` supplied here).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Literal

import jinja2
import pytest
from pydantic import BaseModel, ConfigDict, Field

from thermiq.adapters.mqtt.discovery import discovery_payload, discovery_topic
from thermiq.commands import SetpointCommand, validate

COMMON = {"p", "name", "unique_id", "state_topic", "value_template", "expire_after", "unit_of_measurement",
          "device_class", "state_class", "qos", "icon", "entity_category", "enabled_by_default"}
PLATFORM_KEYS = {
    "sensor": COMMON,
    "binary_sensor": COMMON | {"payload_on", "payload_off"},
    "number": COMMON | {"command_topic", "command_template", "min", "max", "step", "mode", "retain", "optimistic"},
    "select": COMMON | {"command_topic", "command_template", "options", "retain", "optimistic"},
    "switch": COMMON | {"command_topic", "command_template", "payload_on", "payload_off", "state_on", "state_off",
                        "retain", "optimistic"},
}


class Device(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(min_length=1)
    name: str
    mf: str
    mdl: str
    sw: str


class Origin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    sw: str


class DevicePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dev: Device
    o: Origin
    availability_topic: str
    payload_available: Literal["online"]
    payload_not_available: Literal["offline"]
    qos: int
    cmps: dict[str, dict]


def render(tpl: str, **ctx) -> str:
    env = jinja2.Environment()
    return env.from_string(tpl).render(now=lambda: datetime.now(timezone.utc), **ctx)


@pytest.mark.parametrize("writable", [False, True])
def test_payload_matches_documented_schema(registry, writable):
    body = DevicePayload.model_validate(discovery_payload(registry, writable, "1.2.3"))
    assert discovery_topic(registry) == "homeassistant/device/thermiq_asp1/config"
    assert body.availability_topic == registry.full("status") == "thermiq/asp1/status"
    uids = [c["unique_id"] for c in body.cmps.values()]
    assert len(uids) == len(set(uids)) and all(u.startswith("thermiq_asp1_") for u in uids)
    state_topics = {registry.full(t.path) for t in registry.of_kind("state", "setpoint")}
    cmd_topics = {registry.full(t.path) for t in registry.of_kind("command")}
    for oid, c in body.cmps.items():
        assert c["p"] in PLATFORM_KEYS, oid
        assert set(c) <= PLATFORM_KEYS[c["p"]], (oid, set(c) - PLATFORM_KEYS[c["p"]])
        assert c["state_topic"] in state_topics, oid  # never optimistic
        if c["p"] in ("number", "select", "switch"):
            assert c["command_topic"] in cmd_topics and c["retain"] is False and c["qos"] == 1
    platforms = {c["p"] for c in body.cmps.values()}
    if writable:
        assert {"number", "select", "switch"} <= platforms
    else:
        assert platforms <= {"sensor", "binary_sensor"}
    json.dumps(discovery_payload(registry, writable))  # JSON-able


def test_components_cover_plant(registry):
    cmps = discovery_payload(registry, True)["cmps"]
    assert cmps["temperature_outdoor_temp_c"]["device_class"] == "temperature"
    assert cmps["output_p3_miner_loop_run"]["p"] == "binary_sensor"
    assert "miner_m1_hashrate_ths" in cmps and "miner_m2_hashrate_ths" not in cmps
    assert cmps["setpoint_miner_m1_power_limit_w"]["min"] == 0.0
    assert cmps["setpoint_miner_m1_power_limit_w"]["max"] == 3600.0
    assert cmps["setpoint_dhw_setpoint_c"]["max"] == 60.0
    assert cmps["inverter_pv_energy_today_kwh"]["state_class"] == "total_increasing"


def test_state_templates_render(registry):
    cmps = discovery_payload(registry, True)["cmps"]
    b = cmps["contact_hp_ok"]["value_template"]
    assert [render(b, value_json=v) for v in (True, False, None)] == ["ON", "OFF", "None"]
    s = cmps["temperature_dhw_temp_c"]["value_template"]
    assert render(s, value_json=51.5) == "51.5" and render(s, value_json=None) == "None"
    trips = cmps["safety_trips"]["value_template"]
    assert render(trips, value_json=[{"id": "a"}, {"id": "b"}]) == "2"


@pytest.mark.parametrize("oid, value, expected", [
    ("setpoint_dhw_setpoint_c", 55.5, 55.5),
    ("setpoint_mode", "manual", "manual"),
    ("setpoint_grid_heating_allowed", "true", True),   # HA sends payload_on as {{ value }}
    ("setpoint_miner_m2_power_limit_w", 0, 0.0),
])
def test_command_templates_produce_valid_envelopes(registry, oid, value, expected):
    c = discovery_payload(registry, True)["cmps"][oid]
    payload = render(c["command_template"], value=value).encode()
    rel = registry.relative(c["command_topic"])
    cmd, _ = validate(rel, payload, False, time.time(), registry.specs)
    assert isinstance(cmd, SetpointCommand), cmd
    assert cmd.value == expected and cmd.request_id.startswith("ha-")
