"""The bridge against a real Mosquitto on 127.0.0.1: state, commands, acks, audit, reconnect."""

from __future__ import annotations

import time

import pytest

from tests.mqtt.miniscan import MiniScan
from tests.mqtt.mqtt_helpers import envelope
from thermiq.adapters.mqtt.bridge import MqttBridge
from thermiq.commands import AuditRecord, SetpointStore

BASE = "thermiq/asp1"
STATE = {
    "state/temperature/dhw_temp_c": 48.2,
    "state/contact/hp_ok": True,
    "state/output/p3_miner_loop_run": False,
    "state/valve/rv1/position": "buffer",
    "state/heat_pump/sg_state": "normal",
    "state/miner/m1/hashrate_ths": 88.5,
    "state/safety/trips": [],
    "state/safety/first_out": None,
    "state/inverter/battery_soc_pct": 93.0,
}


@pytest.fixture
def bridge(broker, registry, audit_path):
    made = []

    def make(**kw):
        b = MqttBridge("asp1", broker.host, broker.port, None, None, registry, None, audit_path, **kw)
        b.start()
        assert b.wait_connected(5)
        made.append(b)
        return b

    yield make
    for b in made:
        b.stop()


@pytest.fixture
def scan(bridge, registry):
    made = []

    def make(**kw):
        b = bridge(**kw)
        s = MiniScan(b, SetpointStore.from_specs(registry.specs), extra=lambda: STATE).start()
        made.append(s)
        return b, s

    yield make
    for s in made:
        s.stop()


def test_state_arrives_with_registry_qos_and_retain(broker, registry, bridge, probe_factory):
    b = bridge()
    b.publish_status(STATE)
    time.sleep(0.3)
    late = probe_factory(broker.port)  # subscribes after publication: gets the retained values
    late.subscribe(f"{BASE}/#", qos=1)  # granted QoS 1 so the publisher's QoS shows through
    for key, value in STATE.items():
        m = late.wait_for(f"{BASE}/{key}")
        t = registry[key]
        assert m.retain is True and m.qos == t.qos == 0
        assert m.json == value
    status = late.wait_for(f"{BASE}/status")
    assert (status.payload, status.retain, status.qos) == (b"online", True, 1)


def test_publish_on_change_only(broker, bridge, probe_factory):
    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/state/temperature/dhw_temp_c")
    b = bridge()
    key = "state/temperature/dhw_temp_c"
    for v in (40.0, 40.02, 40.05, 40.2):
        b.publish_status({key: v})
        time.sleep(0.05)
    p.wait_for(f"{BASE}/{key}", lambda m: m.json == 40.2)
    assert [m.json for m in p.on(f"{BASE}/{key}")] == [40.0, 40.2]


def test_valid_set_changes_setpoint_in_force_and_is_acked(broker, scan, probe_factory, audit_path):
    b, s = scan()
    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/setpoints/#")
    p.wait_for(f"{BASE}/setpoints/dhw_setpoint_c", lambda m: m.json == 52.0)
    body = envelope(57.5, lease_s=600)
    p.publish(f"{BASE}/setpoints/dhw_setpoint_c/set", body)
    ack = p.wait_for(f"{BASE}/setpoints/dhw_setpoint_c/set/ack")
    assert ack.json == {
        "request_id": body["request_id"],
        "accepted": True,
        "reason": None,
        "value_in_force": 57.5,
        "by": "local",
    }
    assert ack.retain is False and ack.qos == 1
    state = p.wait_for(f"{BASE}/setpoints/dhw_setpoint_c", lambda m: m.json == 57.5)
    assert state.qos == 1
    b.stop()  # flushes the audit file
    recs = [AuditRecord.from_json(line) for line in audit_path.read_text().splitlines()]
    mine = [r for r in recs if r.request_id == body["request_id"]]
    assert [r.outcome for r in mine] == ["received", "accepted"]
    assert mine[-1].value == 57.5


def test_safety_command_reaches_scan_and_is_acked(broker, scan, probe_factory):
    b, s = scan()
    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/cmd/safety/#")
    body = envelope(target="all")
    p.publish(f"{BASE}/cmd/safety/reset", body)
    ack = p.wait_for(f"{BASE}/cmd/safety/reset/ack")
    assert ack.json["request_id"] == body["request_id"] and ack.json["accepted"] is False
    assert ack.json["reason"] == "no trip latched"
    assert [(c.action, c.target) for c in s.safety_log] == [("reset", "all")]


@pytest.mark.parametrize("case", ["malformed", "expired", "future", "out_of_limits", "duplicate"])
def test_bad_commands_are_refused_acked_and_change_nothing(broker, scan, probe_factory, audit_path, case):
    b, s = scan()
    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/setpoints/#")
    topic = f"{BASE}/setpoints/buffer_setpoint_c/set"
    rid = f"bad-{case}"
    retain = False
    if case == "malformed":
        payload = b'{"request_id": "bad-malformed", "issued_at": '
    elif case == "expired":
        payload = envelope(55.0, rid=rid, issued_at=time.time() - 31)
    elif case == "future":
        payload = envelope(55.0, rid=rid, issued_at=time.time() + 60)
    elif case == "out_of_limits":
        payload = envelope(71.0, rid=rid)
    else:
        p.publish(topic, envelope(54.0, rid=rid))
        p.wait_for(topic + "/ack", lambda m: m.json["accepted"])
        p.clear()
        payload = envelope(56.0, rid=rid)
    p.publish(topic, payload, retain=retain)
    ack = p.wait_for(topic + "/ack", lambda m: not m.json["accepted"])
    reason = ack.json["reason"]
    expected = {
        "malformed": "malformed JSON",
        "expired": "expired",
        "future": "future",
        "out_of_limits": "outside",
        "duplicate": "duplicate",
    }[case]
    assert expected in reason
    assert ack.json["request_id"] == (None if case == "malformed" else rid)
    time.sleep(0.2)
    want = 54.0 if case == "duplicate" else 50.0
    assert s.store.value("buffer_setpoint_c", time.monotonic()) == want
    assert s.safety_log == []
    b.stop()
    outcomes = [AuditRecord.from_json(x).outcome for x in audit_path.read_text().splitlines()]
    assert "refused" in outcomes


def test_retained_command_is_refused_and_cleared(broker, registry, scan, probe_factory):
    p = probe_factory(broker.port)
    topic = f"{BASE}/setpoints/buffer_setpoint_c/set"
    p.subscribe(topic + "/ack")
    p.publish(topic, envelope(55.0, rid="kept"), retain=True)  # stored before the controller subscribes
    b, s = scan()
    ack = p.wait_for(topic + "/ack")
    assert ack.json["accepted"] is False and "retained" in ack.json["reason"]
    assert ack.json["request_id"] == "kept"
    time.sleep(0.2)
    assert s.store.value("buffer_setpoint_c", time.monotonic()) == 50.0
    late = probe_factory(broker.port)
    late.subscribe(topic)
    time.sleep(0.2)
    assert [m for m in late.on(topic) if m.payload] == []  # cleared from the broker


def test_mqtt311_live_retained_command_is_applied_once_then_cleared(broker, scan, probe_factory):
    """The documented MQTT 3.1.1 residual risk: the broker hides the retain flag from live
    subscribers, so a retained command is applied once; the bridge then clears the topic."""
    b, s = scan(protocol="3.1.1")
    p = probe_factory(broker.port)
    topic = f"{BASE}/setpoints/room_setpoint_c/set"
    p.subscribe(topic + "/ack")
    p.publish(topic, envelope(22.0), retain=True)
    assert p.wait_for(topic + "/ack").json["accepted"] is True
    time.sleep(0.3)
    assert len(p.on(topic + "/ack")) == 1  # its own clear coming back is not answered
    late = probe_factory(broker.port)
    late.subscribe(topic)
    time.sleep(0.2)
    assert [m for m in late.on(topic) if m.payload] == []


def test_mqtt5_live_retained_command_is_refused_and_cleared(broker, scan, probe_factory):
    """Retain As Published: on MQTT 5 the bridge sees the retain flag on live delivery too."""
    b, s = scan()
    p = probe_factory(broker.port, protocol="5")
    topic = f"{BASE}/setpoints/room_setpoint_c/set"
    p.subscribe(topic + "/ack")
    body = envelope(22.0, rid="live-retained")
    p.publish(topic, body, retain=True)
    ack = p.wait_for(topic + "/ack")
    assert ack.json == {
        "request_id": "live-retained",
        "accepted": False,
        "by": "local",
        "value_in_force": None,
        "reason": "retained command refused (publish commands with retain=false)",
    }
    time.sleep(0.3)
    assert len(p.on(topic + "/ack")) == 1
    assert (
        s.store.leases == {}
        and s.store.value("room_setpoint_c", time.monotonic()) == s.store.specs["room_setpoint_c"].default
    )
    late = probe_factory(broker.port, protocol="5")
    late.subscribe(topic)
    time.sleep(0.3)
    assert [m for m in late.on(topic) if m.payload] == []  # cleared from the broker
    assert b.stats["received"] == 0 and b.stats["refused"] == 1


def test_broker_restart_is_survived_and_state_republished(broker, scan, probe_factory):
    b, s = scan()
    time.sleep(0.3)
    broker.stop()
    time.sleep(0.5)
    assert not b.connected
    broker.start()  # same port, no persistence: all retained values are gone
    assert b.wait_connected(10)
    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/#")
    assert p.wait_for(f"{BASE}/status").payload == b"online"
    assert p.wait_for(f"{BASE}/state/temperature/dhw_temp_c").json == 48.2  # republished retained state
    p.wait_for(f"{BASE}/setpoints/mode")
    body = envelope("manual")
    p.publish(f"{BASE}/setpoints/mode/set", body)  # commands work again
    assert p.wait_for(f"{BASE}/setpoints/mode/set/ack").json["accepted"] is True


def test_commands_queued_while_controller_is_away_are_judged_by_issue_time(
    broker, registry, probe_factory, audit_path, tmp_path
):
    """Kept session: the broker queues QoS 1 commands for the stopped controller; on return the
    fresh one is applied, the stale one refused as expired, and both are acked."""
    ids = tmp_path / "latches.request-ids.json"
    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/setpoints/+/set/ack")
    b1 = MqttBridge("asp1", broker.host, broker.port, None, None, registry, None, audit_path, seen_ids_path=ids)
    b1.start()
    assert b1.wait_connected(5)
    b1.stop()
    b2 = MqttBridge("asp1", broker.host, broker.port, None, None, registry, None, audit_path, seen_ids_path=ids)
    fresh, stale = envelope("manual"), envelope(55.0, issued_at=time.time() - 31)
    p.publish(f"{BASE}/setpoints/mode/set", fresh)  # nobody listening: queued by the broker
    p.publish(f"{BASE}/setpoints/buffer_setpoint_c/set", stale)
    b2.start()
    try:
        assert b2.wait_connected(5)
        s = MiniScan(b2, SetpointStore.from_specs(registry.specs)).start()
        ok = p.wait_for(f"{BASE}/setpoints/mode/set/ack")
        old = p.wait_for(f"{BASE}/setpoints/buffer_setpoint_c/set/ack")
        s.stop()
        assert ok.json["accepted"] is True and ok.json["request_id"] == fresh["request_id"]
        assert old.json["accepted"] is False and old.json["reason"].startswith("expired")
        assert s.store.value("mode", time.monotonic()) == "manual"
        assert s.store.value("buffer_setpoint_c", time.monotonic()) == 50.0
    finally:
        b2.stop()


def test_stop_publishes_offline_and_will_covers_a_crash(broker, registry, probe_factory):
    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/status")
    b = MqttBridge("asp1", broker.host, broker.port, None, None, registry, None, None)
    b.start()
    p.wait_for(f"{BASE}/status", lambda m: m.payload == b"online")
    b.stop()
    p.wait_for(f"{BASE}/status", lambda m: m.payload == b"offline")
    # crash: the socket dies without DISCONNECT -> the broker sends the will
    p.clear()
    c = MqttBridge("asp1", broker.host, broker.port, None, None, registry, None, None)
    c.start()
    p.wait_for(f"{BASE}/status", lambda m: m.payload == b"online")
    c._stop.set()
    c._client.loop_stop()
    c._client.socket().close()
    p.wait_for(f"{BASE}/status", lambda m: m.payload == b"offline", timeout_s=20)


def test_ha_birth_triggers_discovery(broker, bridge, probe_factory):
    p = probe_factory(broker.port)
    p.subscribe("homeassistant/device/#")
    bridge()
    first = p.wait_for("homeassistant/device/thermiq_asp1/config")
    assert first.retain is False and "cmps" in first.json
    p.clear()
    p.publish("homeassistant/status", b"online")
    again = p.wait_for("homeassistant/device/thermiq_asp1/config")
    assert again.json["dev"]["ids"] == ["thermiq_asp1"]


def test_status_calls_do_not_block(broker, bridge):
    b = bridge()
    t0 = time.perf_counter()
    for i in range(2000):
        b.publish_status({"state/scan/scans": i, "state/temperature/dhw_temp_c": 40 + i % 7})
        b.drain_commands()
    per_call_s = (time.perf_counter() - t0) / 2000
    assert per_call_s < 0.001, per_call_s  # a copy under a lock, no network I/O on the caller's thread


def test_ack_for_unknown_command_topic_is_not_published(broker, bridge, probe_factory, audit_path):
    from thermiq.commands import CommandResult

    p = probe_factory(broker.port)
    p.subscribe(f"{BASE}/cmd/#")
    b = bridge()
    b.ack(CommandResult("cmd/safety", "r-x", True, None, None))  # would land on cmd/safety/ack
    b.ack(CommandResult("cmd/safety/ack", "r-y", True, None, None))  # the real ack topic
    p.wait_for(f"{BASE}/cmd/safety/ack/ack", lambda m: m.json["request_id"] == "r-y")
    assert p.on(f"{BASE}/cmd/safety/ack") == []
    b.stop()
    ids = [AuditRecord.from_json(x).request_id for x in audit_path.read_text().splitlines()]
    assert ids == ["r-x", "r-y"]  # both audited


def test_bad_constructor_arguments(registry):
    with pytest.raises(ValueError, match="does not match"):
        MqttBridge("other", "127.0.0.1", 1883, None, None, registry)
    with pytest.raises(ValueError, match="port"):
        MqttBridge("asp1", "127.0.0.1", 0, None, None, registry)
