"""nodered/flows.json: generated from the registry, uses only registry topics, writes only commands."""

from __future__ import annotations

import json
import re

import pytest

from thermiq.adapters.mqtt.nodered_flows import FLOWS, render
from thermiq.adapters.mqtt.registry import NODERED, REPO, registry_for_site

NR = REPO / "nodered"


@pytest.fixture(scope="module")
def registry():
    return registry_for_site(REPO / "thermiq/sites/asp1.toml")


@pytest.fixture(scope="module")
def flows():
    return json.loads(FLOWS.read_text())


def matches(flt: str, topic: str) -> bool:
    """MQTT topic-filter match (+ one level, # the rest)."""
    f, t = flt.split("/"), topic.split("/")
    for i, part in enumerate(f):
        if part == "#":
            return True
        if i >= len(t) or (part != "+" and part != t[i]):
            return False
    return len(f) == len(t)


def test_matches_helper():
    assert matches("a/+/c", "a/b/c") and not matches("a/+", "a/b/c") and matches("a/#", "a/b/c")


def test_flows_json_is_generated_from_registry(registry):
    assert FLOWS.read_text() == render(registry), "run python -m thermiq.adapters.mqtt.nodered_flows"


def test_mqtt_nodes_use_only_registry_topics(flows, registry):
    readable = [registry.full(t.path) for t in registry.topics
                if t.kind in ("availability", "state", "setpoint", "ack") and NODERED in t.subscribers]
    writable = {registry.full(t.path) for t in registry.of_kind("command") if NODERED in t.publisher}
    ins = [n for n in flows if n["type"] == "mqtt in"]
    outs = [n for n in flows if n["type"] == "mqtt out"]
    assert ins and outs
    for n in ins:
        hits = [t for t in readable if matches(n["topic"], t)]
        assert hits, f"mqtt in {n['topic']!r} matches no registry topic Node-RED may read"
        assert not any(matches(n["topic"], c) for c in writable), n["topic"]
    for n in outs:
        assert n["topic"] in writable, n["topic"]
        assert (n["qos"], n["retain"]) == ("1", "false")
    assert {n["topic"] for n in outs} == writable  # every command Node-RED may send has a writer


def test_function_nodes_mention_only_registry_topics(flows, registry):
    known = set(registry.absolute_topics())
    for n in flows:
        if n["type"] != "function":
            continue
        for topic in re.findall(r"thermiq/[A-Za-z0-9_/+#]+", n["func"]):
            assert topic in known, (n["name"], topic)


def test_setpoint_writers_build_the_envelope(flows, registry):
    by_id = {n["id"]: n for n in flows}
    for name, spec in registry.specs.items():
        out = next(n for n in flows if n["type"] == "mqtt out" and n["topic"].endswith(f"/setpoints/{name}/set"))
        fn = next(n for n in flows if n["type"] == "function" and out["id"] in n["wires"][0])
        assert "request_id" in fn["func"] and "issued_at" in fn["func"] and "value: v" in fn["func"]
        widget = next(n for n in flows if n.get("group") and fn["id"] in (n.get("wires") or [[]])[0])
        assert widget["type"] == {"float": "ui-number-input", "bool": "ui-switch", "enum": "ui-dropdown"}[spec.kind]
        assert widget["passthru"] is False  # the value-in-force feedback must not echo back as a write
        assert by_id[widget["group"]]["name"] == "Setpoints"


def test_dashboard_groups_and_alarm_buttons(flows):
    groups = {n["name"] for n in flows if n["type"] == "ui-group"}
    assert {"Temperatures", "Power flows", "Miners", "Pumps & valves", "Alarms", "Setpoints"} <= groups
    buttons = {n["label"] for n in flows if n["type"] == "ui-button"}
    assert buttons == {"Acknowledge all alarms", "Reset trips"}
    assert any(n["type"] == "ui-table" and n["name"] == "state/safety/trips" for n in flows)
    assert not any(n["type"] == "ui-text" and n["name"] == "state/miner/m2/hashrate_ths" for n in flows)
    assert any(n["type"] == "ui-text" and n["name"] == "state/output/p3_miner_loop_run" for n in flows)


def test_package_pins_and_settings():
    pkg = json.loads((NR / "package.json").read_text())
    assert pkg["dependencies"]["node-red"].startswith("4.")
    assert pkg["dependencies"]["@flowfuse/node-red-dashboard"].startswith("1.")  # "Dashboard 2.0" ships as 1.x
    lock = json.loads((NR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/node-red"]["version"] == pkg["dependencies"]["node-red"]
    settings = (NR / "settings.js").read_text()
    assert 'process.env.NR_HOST || "127.0.0.1"' in settings
    cred = json.loads((NR / "flows_cred.json").read_text())
    assert list(cred.values()) == [{"user": "${MQTT_USER}", "password": "${MQTT_PASSWORD}"}]
