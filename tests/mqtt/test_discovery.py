"""Home Assistant device discovery payload checked against the documented schema.

Schema source: home-assistant.io ``integrations/mqtt`` (device discovery: ``dev``, ``o``, ``cmps``
with ``p`` and ``unique_id``; shared availability) and the platform pages ``sensor.mqtt``,
``binary_sensor.mqtt``, ``number.mqtt``, ``select.mqtt``, ``switch.mqtt`` (option names below).
Templates are rendered with Jinja2 (HA templates are Jinja2; ``now()`` supplied here).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Literal

import jinja2
import pytest
from pydantic import BaseModel, ConfigDict, Field

from thermiq.adapters.mqtt.discovery import discovery_payload, discovery_topic
from thermiq.commands import SetpointCommand, validate

COMMON = {
    "p",
    "name",
    "unique_id",
    "state_topic",
    "value_template",
    "expire_after",
    "unit_of_measurement",
    "device_class",
    "state_class",
    "qos",
    "icon",
    "entity_category",
    "enabled_by_default",
    "json_attributes_topic",
    "json_attributes_template",
}
PLATFORM_KEYS = {
    "sensor": COMMON | {"suggested_display_precision", "options"},
    "binary_sensor": COMMON | {"payload_on", "payload_off"},
    "number": COMMON | {"command_topic", "command_template", "min", "max", "step", "mode", "retain", "optimistic"},
    "select": COMMON | {"command_topic", "command_template", "options", "retain", "optimistic"},
    "switch": COMMON
    | {
        "command_topic",
        "command_template",
        "payload_on",
        "payload_off",
        "state_on",
        "state_off",
        "retain",
        "optimistic",
    },
}


# home-assistant.io integrations/binary_sensor and integrations/sensor "Device class" lists; a
# sensor's unit must be one its class allows, and an energy sensor must be a total (HA's sensor
# platform rejects energy with state_class measurement: developers.home-assistant.io "Sensor entity").
BINARY_CLASSES = {
    "battery",
    "battery_charging",
    "carbon_monoxide",
    "cold",
    "connectivity",
    "door",
    "garage_door",
    "gas",
    "heat",
    "light",
    "lock",
    "moisture",
    "motion",
    "moving",
    "occupancy",
    "opening",
    "plug",
    "power",
    "presence",
    "problem",
    "running",
    "safety",
    "smoke",
    "sound",
    "tamper",
    "update",
    "vibration",
    "window",
}
SENSOR_UNITS = {
    "temperature": {"°C", "°F", "K"},
    "power": {"W", "kW"},
    "energy": {"Wh", "kWh", "MWh"},
    "battery": {"%"},
    "voltage": {"V", "mV"},
    "duration": {"s", "ms", "min", "h", "d"},
    "enum": {None},
    "frequency": {"Hz", "kHz", "MHz", "GHz"},
}  # HA SensorDeviceClass.FREQUENCY units
STATE_CLASSES = {"measurement", "total", "total_increasing"}


def check_classes(oid: str, c: dict) -> None:
    """The class rules HA applies when it sets up an MQTT sensor or binary sensor."""
    dc = c.get("device_class")
    if c.get("entity_category") is not None:
        assert c["entity_category"] in ("diagnostic", "config"), oid
    if c["p"] == "binary_sensor":
        assert dc is None or dc in BINARY_CLASSES, (oid, dc)
    if c["p"] == "sensor":
        assert dc is None or dc in SENSOR_UNITS, (oid, dc)
        if dc is not None:
            assert c.get("unit_of_measurement") in SENSOR_UNITS[dc], (oid, dc, c.get("unit_of_measurement"))
        if dc == "enum":
            assert "state_class" not in c and c["options"], oid
        if "state_class" in c:
            assert c["state_class"] in STATE_CLASSES, oid
        if dc == "energy":
            assert c["state_class"] in ("total", "total_increasing"), oid
        if "suggested_display_precision" in c:
            assert isinstance(c["suggested_display_precision"], int) and c["suggested_display_precision"] >= 0


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
    return env.from_string(tpl).render(now=lambda: datetime.now(UTC), **ctx)


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
        check_classes(oid, c)
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
    assert cmps["output_p3_miner_loop_run"]["device_class"] == "running"
    assert "miner_m1_hashrate_ths" in cmps and "miner_m2_hashrate_ths" not in cmps
    assert cmps["setpoint_miner_m1_power_limit_w"]["min"] == 0.0
    assert cmps["setpoint_miner_m1_power_limit_w"]["max"] == 3600.0
    assert cmps["setpoint_dhw_setpoint_c"]["max"] == 60.0
    assert cmps["inverter_pv_energy_kwh"]["state_class"] == "total_increasing"


def test_state_templates_render(registry):
    cmps = discovery_payload(registry, True)["cmps"]
    b = cmps["output_p3_miner_loop_run"]["value_template"]
    assert [render(b, value_json=v) for v in (True, False, None)] == ["ON", "OFF", "None"]
    b = cmps["contact_hp_ok"]["value_template"]  # 1 = no fault: HA's "problem" is ON when the contact reads 0
    assert [render(b, value_json=v) for v in (True, False, None)] == ["OFF", "ON", "None"]
    s = cmps["temperature_dhw_temp_c"]["value_template"]
    assert render(s, value_json=51.5) == "51.5" and render(s, value_json=None) == "None"
    trips = cmps["safety_trips"]["value_template"]
    assert render(trips, value_json=[{"id": "a"}, {"id": "b"}]) == "2"


def test_friendly_names_classes_and_no_heartbeat(registry, cfg):
    """Names are the site's plain words; the Energy dashboard finds its sensors; no heartbeat entity."""
    cmps = discovery_payload(registry)["cmps"]
    names = {c["name"] for c in cmps.values()}
    assert {
        "Buffer tank top",
        "Hot-water tank",
        "Miner loop pump (P3)",
        "Outdoor",
        "PV power",
        "Battery charge",
        "Grid import energy",
        "Heat pump fault",
        "Latched trips",
    } <= names
    assert not any("_" in n for n in names), [n for n in names if "_" in n]  # no raw signal names
    assert not any(cfg.cabinet.heartbeat_output in c["state_topic"] for c in cmps.values())
    assert not any("heartbeat" in oid for oid in cmps)
    energy = {oid for oid, c in cmps.items() if c.get("device_class") == "energy"}
    assert {
        "inverter_grid_import_energy_kwh",
        "inverter_grid_export_energy_kwh",
        "inverter_pv_energy_kwh",
        "inverter_battery_charge_energy_kwh",
        "inverter_battery_discharge_energy_kwh",
        "meter_miners_import_energy_kwh_heat",
        "meter_heat_pump_import_energy_kwh",
    } <= energy
    assert cmps["temperature_buffer_top_temp_c"]["suggested_display_precision"] == 1
    assert cmps["inverter_pv_power_w"]["suggested_display_precision"] == 0
    assert cmps["contact_hp_ok"]["device_class"] == "problem"
    assert cmps["scan_cycle_time_s"]["entity_category"] == "diagnostic"
    assert cmps["contact_k1_miner1_closed"]["entity_category"] == "diagnostic"
    assert "entity_category" not in cmps["temperature_dhw_temp_c"]
    assert cmps["valve_rv1_position"]["options"] == ["dhw", "buffer", "moving", "unknown"]
    # the site config of ASP1 keeps HA read-only: every setpoint is a sensor
    assert {cmps[f"setpoint_{n}"]["p"] for n in registry.specs} == {"sensor"}


def test_trips_are_a_count_with_attributes(registry):
    c = discovery_payload(registry)["cmps"]["safety_trips"]
    trips = [
        {"id": "I5_buffer_top_hh", "first_out": True, "state": "active_unack"},
        {"id": "I7_dhw_hh", "first_out": False, "state": "active_ack"},
    ]
    assert render(c["value_template"], value_json=trips) == "2"
    attrs = json.loads(render(c["json_attributes_template"], value_json=trips))
    assert attrs["first_out"] == "I5_buffer_top_hh" and len(attrs["trips"]) == 2


def test_writable_setpoints_follow_the_site_config(cfg):
    from thermiq.adapters.mqtt.registry import HA, REPO, build_registry
    from thermiq.iomap.io_list import load_io_list

    io = load_io_list(REPO / cfg.process_image.io_list).points
    site = cfg.model_copy(
        update={
            "home_assistant": cfg.home_assistant.model_copy(update={"writable_setpoints": ("dhw_setpoint_c", "mode")})
        }
    )
    reg = build_registry(site, io)
    cmps = discovery_payload(reg)["cmps"]
    assert cmps["setpoint_dhw_setpoint_c"]["p"] == "number" and cmps["setpoint_mode"]["p"] == "select"
    assert cmps["setpoint_room_setpoint_c"]["p"] == "sensor"
    assert (
        HA in reg["setpoints/dhw_setpoint_c/set"].publisher and HA not in reg["setpoints/room_setpoint_c/set"].publisher
    )
    bad = cfg.model_copy(
        update={"home_assistant": cfg.home_assistant.model_copy(update={"writable_setpoints": ("no_such",)})}
    )
    with pytest.raises(ValueError, match="no_such"):
        build_registry(bad, io)


@pytest.mark.parametrize(
    "oid, value, expected",
    [
        ("setpoint_dhw_setpoint_c", 55.5, 55.5),
        ("setpoint_mode", "manual", "manual"),
        ("setpoint_grid_heating_allowed", "true", True),  # HA sends payload_on as {{ value }}
        ("setpoint_miner_m2_power_limit_w", 0, 0.0),
    ],
)
def test_command_templates_produce_valid_envelopes(registry, oid, value, expected):
    c = discovery_payload(registry, True)["cmps"][oid]
    payload = render(c["command_template"], value=value).encode()
    rel = registry.relative(c["command_topic"])
    cmd, _ = validate(rel, payload, False, time.time(), registry.specs)
    assert isinstance(cmd, SetpointCommand), cmd
    assert cmd.value == expected and cmd.request_id.startswith("ha-")


def test_committed_discovery_payload_is_generated(registry):
    from thermiq.adapters.mqtt.discovery import DEFAULT_OUT
    from thermiq.adapters.mqtt.discovery import render as render_payload

    assert DEFAULT_OUT.read_text(encoding="utf-8") == render_payload(registry), (
        "run python -m thermiq.adapters.mqtt.discovery"
    )


def test_ha_writes_the_setpoints_the_site_allows_through_the_acl_line_the_docs_print(cfg, tmp_path):
    """Site config lists `mode` for HA; with the ACL line COMMUNICATION.md prints, HA's select entity
    (its command template) changes the mode and is acked; a setpoint not listed stays unwritable."""
    import re as _re

    from tests.mqtt.miniscan import MiniScan
    from tests.mqtt.mqtt_helpers import Probe
    from tests.mqtt.testbroker import BrokerError, Mosquitto, make_passwd
    from tests.support import unavailable
    from thermiq.adapters.mqtt.bridge import MqttBridge
    from thermiq.adapters.mqtt.docs import render as render_docs
    from thermiq.adapters.mqtt.registry import REPO, build_registry
    from thermiq.commands import SetpointStore
    from thermiq.iomap.io_list import load_io_list

    site = cfg.model_copy(
        update={"home_assistant": cfg.home_assistant.model_copy(update={"writable_setpoints": ("mode",)})}
    )
    reg = build_registry(site, load_io_list(REPO / cfg.process_image.io_list).points)
    lines = _re.findall(r"(?m)^topic write thermiq/asp1/setpoints/\S+/set$", render_docs(reg))
    assert lines == ["topic write thermiq/asp1/setpoints/mode/set"]
    acl = (
        (REPO / "deploy/mosquitto/acl")
        .read_text()
        .replace("user homeassistant\n", "user homeassistant\n" + "\n".join(lines) + "\n")
    )
    (tmp_path / "acl").write_text(acl)
    pw = {"thermiq": "ctl", "homeassistant": "ha"}
    make_passwd(tmp_path / "passwd", pw)
    try:
        broker = Mosquitto(acl_file=tmp_path / "acl", passwd_file=tmp_path / "passwd").start()
    except BrokerError as err:
        unavailable(str(err))
    bridge = MqttBridge("asp1", broker.host, broker.port, "thermiq", pw["thermiq"], reg)
    try:
        bridge.start()
        assert bridge.wait_connected(5)
        scan = MiniScan(bridge, SetpointStore.from_specs(reg.specs)).start()
        ha = Probe(broker.port, "homeassistant", pw["homeassistant"])
        ha.subscribe("thermiq/asp1/setpoints/#")
        ha.subscribe("homeassistant/device/#")
        ha.publish("homeassistant/status", b"online", qos=1)  # HA's birth: the bridge re-sends discovery
        cmps = json.loads(ha.wait_for("homeassistant/device/thermiq_asp1/config", timeout_s=5).payload)
        assert cmps["cmps"]["setpoint_mode"]["p"] == "select"
        assert cmps["cmps"]["setpoint_dhw_setpoint_c"]["p"] == "sensor"
        c = cmps["cmps"]["setpoint_mode"]
        ha.publish(c["command_topic"], render(c["command_template"], value="manual").encode(), qos=1)
        assert ha.wait_for("thermiq/asp1/setpoints/mode/set/ack", timeout_s=5).json["accepted"] is True
        ha.clear()
        ha.publish(
            "thermiq/asp1/setpoints/dhw_setpoint_c/set",
            {"request_id": "ha-x", "issued_at": time.time(), "value": 55.0},
            qos=1,
        )
        time.sleep(1.0)
        assert not ha.on("thermiq/asp1/setpoints/dhw_setpoint_c/set/ack")  # the broker dropped it (no ACL line)
        ha.close()
        scan.stop()
    finally:
        bridge.stop()
        broker.close()
