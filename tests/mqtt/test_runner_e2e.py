"""End to end: the real controller (`thermiq run` on a file-backed process image whose inputs a
plant side writes) over a real Mosquitto.

A valid /set changes the value in force (``setpoints/<name>`` and ``state/mode``) and is acked; a
refused one changes nothing; every topic the runner publishes is in the registry; a real latched
trip is acknowledged and reset over MQTT; replays after a kill and restart are refused; two
operators with their own logins are named in acks, audit log and journal.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.mqtt.controller_proc import Controller, trip_state, wait_until
from tests.mqtt.mqtt_helpers import Probe, envelope

BASE = "thermiq/asp1"
TRIP = "I5_buffer_top_hh"


@pytest.fixture
def controller(broker, tmp_path, io_list):
    ctl = Controller(tmp_path, io_list, broker.port).start()
    p = Probe(broker.port)
    p.subscribe(f"{BASE}/#")
    try:
        p.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", 30)
        p.wait_for(f"{BASE}/state/mode", timeout_s=10)
        yield p, ctl
    finally:
        p.close()
        ctl.close()


def latch_and_clear(p, ctl) -> None:
    """Drive I5 (buffer top high-high) to latched, then let its cause clear: cleared_unack."""
    ctl.set_inputs(buffer_top_temp_c=90.0)
    trip_state(p, BASE, TRIP, want="active_unack")
    ctl.set_inputs(buffer_top_temp_c=60.0)
    trip_state(p, BASE, TRIP, want="cleared_unack")


def test_every_published_topic_is_in_the_registry(controller, registry):
    p, _ = controller
    time.sleep(1.0)
    known = set(registry.absolute_topics())
    seen = {m.topic for m in p.messages}
    assert seen <= known, sorted(seen - known)
    for m in p.messages:
        t = registry[registry.relative(m.topic)]
        if t.kind in ("state", "setpoint") and m.payload:
            t.adapter.validate_python(json.loads(m.payload), strict=True)  # schema holds on the wire


def test_set_changes_value_in_force_and_is_acked(controller):
    p, ctl = controller
    assert p.wait_for(f"{BASE}/state/mode").json == "auto"
    body = envelope("manual", lease_s=120)
    p.publish(f"{BASE}/setpoints/mode/set", body)
    ack = p.wait_for(f"{BASE}/setpoints/mode/set/ack")
    assert ack.json == {
        "request_id": body["request_id"],
        "accepted": True,
        "reason": None,
        "value_in_force": "manual",
        "by": "local",
    }
    p.wait_for(f"{BASE}/state/mode", lambda m: m.json == "manual")
    p.wait_for(f"{BASE}/setpoints/mode", lambda m: m.json == "manual")
    bad = envelope(99.0)
    p.publish(f"{BASE}/setpoints/dhw_setpoint_c/set", bad)
    refused = p.wait_for(f"{BASE}/setpoints/dhw_setpoint_c/set/ack")
    assert refused.json["accepted"] is False and "outside" in refused.json["reason"]
    assert [m.json for m in p.on(f"{BASE}/setpoints/dhw_setpoint_c")] == [52.0]
    ctl.stop()
    lines = ctl.audit_records()
    assert {(r["request_id"], r["outcome"]) for r in lines} >= {
        (body["request_id"], "received"),
        (body["request_id"], "accepted"),
        (bad["request_id"], "refused"),
    }


def test_safety_ack_reaches_trip_layer(controller):
    """A real latched trip (I5 from the plant's inputs) goes cleared_unack -> cleared_ack by the
    MQTT acknowledge and -> normal by the MQTT reset; both acks come from the trip layer."""
    p, ctl = controller
    assert trip_state(p, BASE, TRIP) is None
    latch_and_clear(p, ctl)
    early = envelope(target=TRIP)
    p.publish(f"{BASE}/cmd/safety/reset", early)  # reset before the acknowledge: refused
    ack = p.wait_for(f"{BASE}/cmd/safety/reset/ack", lambda m: m.json["request_id"] == early["request_id"])
    assert ack.json["accepted"] is False and ack.json["reason"] == f"{TRIP}: not acknowledged"
    body = envelope(target=TRIP)
    p.publish(f"{BASE}/cmd/safety/ack", body)
    ack = p.wait_for(f"{BASE}/cmd/safety/ack/ack", lambda m: m.json["request_id"] == body["request_id"])
    assert ack.json == {
        "request_id": body["request_id"],
        "accepted": True,
        "reason": None,
        "value_in_force": None,
        "by": "local",
    }
    trip_state(p, BASE, TRIP, want="cleared_ack")
    reset = envelope(target=TRIP)
    p.publish(f"{BASE}/cmd/safety/reset", reset)
    ack = p.wait_for(f"{BASE}/cmd/safety/reset/ack", lambda m: m.json["request_id"] == reset["request_id"])
    assert ack.json["accepted"] is True
    trip_state(p, BASE, TRIP, want="none")
    wait_until(lambda: TRIP not in ctl.latched(), 5, "the latch file to lose the reset trip")


@pytest.mark.timeout(120)
def test_replays_after_kill_and_restart_are_refused_as_duplicates(controller, broker):
    """Safety ack, safety reset and a setpoint, each accepted, then SIGKILL and restart of the
    controller with the trip latched again: the byte-identical replays are all refused."""
    p, ctl = controller
    latch_and_clear(p, ctl)
    sent = {}
    t_first = time.time()
    for topic, body in (
        ("cmd/safety/ack", envelope(target=TRIP)),
        ("cmd/safety/reset", envelope(target=TRIP)),
        ("setpoints/mode/set", envelope("manual", lease_s=600)),
    ):
        raw = json.dumps(body).encode()
        p.publish(f"{BASE}/{topic}", raw)
        ack = p.wait_for(f"{BASE}/{topic}/ack", lambda m: m.json["request_id"] == body["request_id"])
        assert ack.json["accepted"] is True, ack.json
        sent[topic] = (body["request_id"], raw)
    trip_state(p, BASE, TRIP, want="none")
    p.wait_for(f"{BASE}/state/mode", lambda m: m.json == "manual")
    latch_and_clear(p, ctl)  # the same trip latched again
    wait_until(lambda: ctl.latched().get(TRIP, {}).get("alarm") == "cleared_unack", 5, "latch on disk")
    ctl.kill()
    p.clear()
    ctl.start()
    p.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", 30)
    assert trip_state(p, BASE, TRIP) == "cleared_unack"  # restored, waiting for ack + reset
    print(f"replaying {time.time() - t_first:.1f} s after the first command")
    for topic, (rid, raw) in sent.items():
        p.publish(f"{BASE}/{topic}", raw)  # byte for byte
        ack = p.wait_for(f"{BASE}/{topic}/ack", lambda m: m.json["request_id"] == rid)
        assert ack.json["accepted"] is False and ack.json["reason"] == f"duplicate request id {rid!r}", ack.json
    time.sleep(1.0)
    assert trip_state(p, BASE, TRIP) == "cleared_unack"
    assert p.wait_for(f"{BASE}/state/mode").json == "auto"  # the replayed setpoint did not come back
    ctl.stop()
    accepted = [r["request_id"] for r in ctl.audit_records() if r["outcome"] == "accepted"]
    assert sorted(accepted) == sorted(rid for rid, _ in sent.values())  # each id accepted once
    assert [r["reason"] for r in ctl.audit_records() if r["outcome"] == "refused"] == [
        f"duplicate request id {rid!r}" for rid, _ in sent.values()
    ]


@pytest.mark.timeout(120)
def test_two_operators_are_named_and_cannot_act_for_each_other(tmp_path, io_list):
    """The shipped broker (ACL patterns with %u, TLS listener): alice acknowledges and bob resets
    a real trip over TLS with their own logins; ack, audit log and journal name each. alice can
    publish neither under bob's identity nor on the bare (cabinet) topics."""
    from tests.mqtt.shipped_broker import start_shipped

    sb = start_shipped(tmp_path / "broker", {"alice": "a-secret", "bob": "b-secret"})
    ctl = Controller(
        tmp_path,
        io_list,
        sb.port,
        env={"THERMIQ_MQTT_USER": "thermiq", "THERMIQ_MQTT_PASSWORD": sb.passwords["thermiq"]},
    ).start()
    probes = []
    try:
        alice, bob = (Probe(sb.tls_port, n, sb.passwords[n], protocol="5", tls_ca=sb.ca) for n in ("alice", "bob"))
        probes += [alice, bob]
        assert alice.rc == 0 and bob.rc == 0
        for op in probes:
            op.subscribe(f"{BASE}/#")
        alice.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", 30)
        latch_and_clear(alice, ctl)
        a = envelope(target=TRIP)
        alice.publish(f"{BASE}/op/alice/cmd/safety/ack", a)
        ack = alice.wait_for(f"{BASE}/op/alice/cmd/safety/ack/ack")
        assert ack.json == {
            "request_id": a["request_id"],
            "accepted": True,
            "reason": None,
            "value_in_force": None,
            "by": "alice",
        }
        trip_state(bob, BASE, TRIP, want="cleared_ack")
        b = envelope(target=TRIP)
        bob.publish(f"{BASE}/op/bob/cmd/safety/reset", b)
        ack = bob.wait_for(f"{BASE}/op/bob/cmd/safety/reset/ack")
        assert ack.json["accepted"] is True and ack.json["by"] == "bob"
        trip_state(alice, BASE, TRIP, want="none")
        # alice cannot act as bob, nor as the cabinet dashboard: the broker drops both
        forged, bare = envelope("manual"), envelope(target="all")
        alice.publish(f"{BASE}/op/bob/setpoints/mode/set", forged, wait=False)
        alice.publish(f"{BASE}/cmd/safety/reset", bare, wait=False)
        time.sleep(1.5)
        assert alice.on(f"{BASE}/op/bob/setpoints/mode/set/ack") == []
        assert alice.on(f"{BASE}/cmd/safety/reset/ack") == []
        assert alice.on(f"{BASE}/op/bob/setpoints/mode/set") == []  # never reached any subscriber
        assert alice.wait_for(f"{BASE}/state/mode").json == "auto"
        ctl.stop()
        recs = ctl.audit_records()
        assert {(r["request_id"], r["outcome"], r["by"]) for r in recs} == {
            (a["request_id"], "received", "alice"),
            (a["request_id"], "accepted", "alice"),
            (b["request_id"], "received", "bob"),
            (b["request_id"], "accepted", "bob"),
        }
        journal = ctl.journal_text()
        for rid, who in ((a["request_id"], "alice"), (b["request_id"], "bob")):
            lines = [json.loads(x) for x in journal.splitlines() if rid in x]
            lines = [x for x in lines if x.get("event") == "command" and x["outcome"] == "accepted"]
            assert len(lines) == 1 and lines[0]["by"] == who, journal[-2000:]
        assert forged["request_id"] not in journal and bare["request_id"] not in journal
    finally:
        for op in probes:
            op.close()
        ctl.close()
        sb.close()
