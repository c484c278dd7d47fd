"""End to end: the real controller (`thermiq run` on a file-backed process image) over real Mosquitto.

A valid /set changes the value in force (``setpoints/<name>`` and ``state/mode``) and is acked; a
refused one changes nothing; every topic the runner publishes is in the registry; safety commands
reach the trip layer and are acked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from thermiq.adapters.mqtt.registry import REPO

from tests.mqtt.mqtt_helpers import Probe, envelope

BASE = "thermiq/asp1"


@pytest.fixture
def controller(broker, tmp_path):
    audit = tmp_path / "audit.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "thermiq.cli", "run", "--procimg", str(tmp_path / "img"),
                             "--field", "fake", "--run-dir", str(tmp_path),
                             "--mqtt", f"127.0.0.1:{broker.port}", "--max-scans", "400"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    p = Probe(broker.port)
    p.subscribe(f"{BASE}/#")
    try:
        p.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", 30)
        p.wait_for(f"{BASE}/state/mode", timeout_s=10)
        yield p, audit, proc
    finally:
        p.close()
        proc.terminate()
        proc.wait(10)


def test_every_published_topic_is_in_the_registry(controller, registry):
    p, _, _ = controller
    time.sleep(1.0)
    known = set(registry.absolute_topics())
    seen = {m.topic for m in p.messages}
    assert seen <= known, sorted(seen - known)
    for m in p.messages:
        t = registry[registry.relative(m.topic)]
        if t.kind in ("state", "setpoint") and m.payload:
            t.adapter.validate_python(json.loads(m.payload), strict=True)  # schema holds on the wire


def test_set_changes_value_in_force_and_is_acked(controller):
    p, audit, proc = controller
    assert p.wait_for(f"{BASE}/state/mode").json == "auto"
    body = envelope("manual", lease_s=120)
    p.publish(f"{BASE}/setpoints/mode/set", body)
    ack = p.wait_for(f"{BASE}/setpoints/mode/set/ack")
    assert ack.json == {"request_id": body["request_id"], "accepted": True, "reason": None,
                        "value_in_force": "manual"}
    p.wait_for(f"{BASE}/state/mode", lambda m: m.json == "manual")
    p.wait_for(f"{BASE}/setpoints/mode", lambda m: m.json == "manual")
    bad = envelope(99.0)
    p.publish(f"{BASE}/setpoints/dhw_setpoint_c/set", bad)
    refused = p.wait_for(f"{BASE}/setpoints/dhw_setpoint_c/set/ack")
    assert refused.json["accepted"] is False and "outside" in refused.json["reason"]
    assert [m.json for m in p.on(f"{BASE}/setpoints/dhw_setpoint_c")] == [52.0]
    proc.terminate()
    proc.wait(10)
    lines = [json.loads(x) for x in audit.read_text().splitlines()]
    assert {(r["request_id"], r["outcome"]) for r in lines} >= {(body["request_id"], "received"),
                                                                (body["request_id"], "accepted"),
                                                                (bad["request_id"], "refused")}


def test_safety_ack_reaches_trip_layer(controller):
    p, _, _ = controller
    trips = p.wait_for(f"{BASE}/state/safety/trips").json
    assert isinstance(trips, list)
    body = envelope(target="all")
    p.publish(f"{BASE}/cmd/safety/ack", body)
    ack = p.wait_for(f"{BASE}/cmd/safety/ack/ack")
    assert ack.json["request_id"] == body["request_id"] and isinstance(ack.json["accepted"], bool)
    assert ack.json["accepted"] or ack.json["reason"]
