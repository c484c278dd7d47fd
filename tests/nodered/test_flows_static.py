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
    readable = [
        registry.full(t.path)
        for t in registry.topics
        if t.kind in ("availability", "state", "setpoint", "ack") and NODERED in t.subscribers
    ]
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
    known = set(registry.absolute_topics()) | {registry.base}  # the model strips the site prefix
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


def test_pages_banner_on_every_page_and_views(flows, registry):
    from thermiq.adapters.mqtt.nodered_flows import PAGES

    by_id = {n["id"]: n for n in flows}
    pages = {n["path"]: n for n in flows if n["type"] == "ui-page"}
    assert set(pages) == {f"/{k}" for k, _t, _i in PAGES}
    templates = [n for n in flows if n["type"] == "ui-template"]
    banners = [n for n in templates if n["name"].endswith(": Alarms")]
    banner_pages = {by_id[by_id[n["group"]]["page"]]["path"] for n in banners}
    assert banner_pages == set(pages)  # a banner on every page ...
    for n in banners:  # ... as the first group of its page
        group = by_id[n["group"]]
        same_page = [g for g in flows if g["type"] == "ui-group" and g["page"] == group["page"]]
        assert min(g["order"] for g in same_page) == group["order"]
        assert 'data-testid="alarm-banner"' in n["format"]
    model = next(n for n in flows if n["type"] == "function" and n["name"] == "dashboard model")
    assert set(model["wires"][0]) == {n["id"] for n in templates}  # every view gets the snapshot
    assert by_id[model["wires"][1][0]]["type"] == "ui-notification"
    assert [by_id[w[0]]["type"] for w in model["wires"][2:4]] == ["ui-chart", "ui-chart"]
    gauges = [by_id[w[0]] for w in model["wires"][4:]]
    assert gauges and all(g["type"] == "ui-gauge" for g in gauges)
    for g in gauges:  # arcs are the registry's bands (configured targets and limits), not one green arc
        t = registry[g["name"]]
        assert len(g["segments"]) == len(t.bands) >= 2 and g["title"] == t.label
        assert [float(s["from"]) for s in g["segments"][1:]] == [b.lo for b in t.bands[1:]]
        assert len({s["color"] for s in g["segments"]}) >= 2
    charts = [n for n in flows if n["type"] == "ui-chart"]
    assert all(n["removeOlder"] == 24 and n["removeOlderUnit"] == "3600" for n in charts)  # 24 h trends


def test_views_carry_the_registry_labels_units_and_bands(flows, registry):
    """The site meta in the views is the registry's (one source): labels, units, decimals, bands."""
    import json as _json

    view = next(n for n in flows if n["type"] == "ui-template" and n["name"] == "heat: Temperatures")
    meta = _json.loads(re.search(r"SM: (\{.*?\}), conf: ", view["format"]).group(1))
    conf = _json.loads(re.search(r"conf: (\{.*?\}) \}; \}", view["format"]).group(1))
    assert set(meta["topics"]) == set(conf["topics"])  # each view carries the meta of what it shows
    temps = {t.path for t in registry.of_kind("state") if t.path.startswith("state/temperature/")}
    assert temps <= set(conf["topics"])  # every temperature of the site is on the page
    for path in conf["topics"]:
        t = registry[path]
        m = meta["topics"][t.path]
        assert (m["label"], m["unit"], m["precision"]) == (t.label, t.unit, t.precision)
        assert [tuple(b) for b in m.get("bands", [])] == [(b.lo, b.level) for b in t.bands]
    assert not any(re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", m["label"]) for m in meta["topics"].values())
    assert "heartbeat" not in view["format"]


def test_setpoint_widgets_and_safety_buttons(flows, registry):
    by_id = {n["id"]: n for n in flows}
    router = next(n for n in flows if n["type"] == "function" and n["name"] == "banner buttons")
    targets = {by_id[w[0]]["name"] for w in router["wires"]}
    assert targets == {"safety ack", "safety reset"}
    for name, spec in registry.specs.items():
        w = next(n for n in flows if n.get("type", "").startswith("ui-") and n.get("name") == name)
        assert "_" not in w["label"].split(" [")[0], w["label"]  # plain words, not the setpoint's id


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
