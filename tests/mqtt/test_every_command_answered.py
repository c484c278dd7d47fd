"""Every message on the command tree gets exactly one ack and changes nothing unless it is a
valid command; nothing is lost or applied twice across a broker kill (real Mosquitto)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from tests.mqtt.controller_proc import wait_until
from tests.mqtt.miniscan import MiniScan
from tests.mqtt.mqtt_helpers import Probe, envelope
from tests.mqtt.testbroker import BrokerError, Mosquitto
from tests.support import unavailable
from thermiq.adapters.mqtt.bridge import MqttBridge
from thermiq.commands import RecentIds, Refusal, SetpointStore, validate

BASE = "thermiq/asp1"
# topic levels: any printable text but the wildcards and the separator (Mosquitto disconnects a
# client that publishes control characters or non-characters in a topic, MQTT 5.0 §1.5.4)
NAMES = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="+#/"), max_size=10)
KNOWN = [
    "setpoints/dhw_setpoint_c/set",
    "setpoints/mode/set",
    "setpoints/grid_heating_allowed/set",
    "cmd/safety/reset",
    "cmd/safety/ack",
]
TOPICS = st.one_of(
    st.sampled_from(KNOWN),
    st.sampled_from(KNOWN).map(lambda t: "op/alice/" + t),
    NAMES.map(lambda n: f"setpoints/{n}/set"),  # unknown setpoint names
    NAMES.map(lambda n: f"cmd/safety/{n}"),  # unknown safety actions
    st.tuples(NAMES, st.sampled_from(KNOWN)).map(lambda t: f"op/{t[0]}/{t[1]}"),
)  # bad operator names
JSON_VALUES = st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8)
PAYLOADS = st.one_of(
    st.just(b""),
    st.binary(max_size=120),
    st.dictionaries(
        st.sampled_from(["request_id", "issued_at", "value", "target", "lease_s", "x"]), JSON_VALUES, max_size=5
    ).map(lambda d: json.dumps(d).encode()),
    st.builds(lambda v: json.dumps({"request_id": "r", "issued_at": time.time(), "value": v}).encode(), JSON_VALUES),
    st.just(b'{"request_id":"d","issued_at":1,"value":1,"value":2}'),
)


@pytest.fixture(params=["5", "3.1.1"])
def plant(request, broker, registry):
    b = MqttBridge("asp1", broker.host, broker.port, None, None, registry, protocol=request.param)
    b.start()
    assert b.wait_connected(5)
    scan = MiniScan(b, SetpointStore.from_specs(registry.specs)).start()
    p = Probe(broker.port, protocol=request.param)
    p.subscribe(f"{BASE}/#")
    p.wait_for(f"{BASE}/state/mode")
    time.sleep(0.3)
    baseline = {m.topic: m.payload for m in p.messages if _is_value(m.topic)}
    assert f"{BASE}/setpoints/dhw_setpoint_c" in baseline
    yield b, scan, p, baseline
    p.close()
    scan.stop()
    b.stop()


def _is_value(topic: str) -> bool:
    """A published state or setpoint-in-force topic (not a command or ack)."""
    return topic.startswith(f"{BASE}/state/") or (topic.startswith(f"{BASE}/setpoints/") and topic.count("/") == 3)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(topic=TOPICS, raw=PAYLOADS)
def test_every_message_on_the_command_tree_gets_exactly_one_ack(plant, topic, raw):
    b, scan, p, baseline = plant
    res, _ = validate(topic, raw, False, time.time(), b.registry.specs, RecentIds())
    assume(isinstance(res, Refusal))  # a valid command would change state by design
    p.clear()
    p.publish(f"{BASE}/{topic}", raw)
    ack = p.wait_for(f"{BASE}/{topic}/ack")
    time.sleep(0.15)  # room for a second (wrong) ack
    acks = p.on(f"{BASE}/{topic}/ack")
    assert len(acks) == 1, [a.payload for a in acks]
    assert ack.json["accepted"] is False and ack.json["reason"], ack.json
    assert ack.json["reason"].isprintable()
    changed = [(m.topic, m.payload) for m in p.messages if _is_value(m.topic) and baseline.get(m.topic) != m.payload]
    assert changed == [], changed  # no published state or setpoint value changed
    assert scan.store.leases == {} and scan.safety_log == []


@pytest.mark.timeout(90)
def test_broker_kill_and_restart_loses_nothing_and_applies_nothing_twice(registry, tmp_path):
    """SIGKILL the persistent broker, publish while it is down (the operator's client queues QoS 1),
    restart it: every command is applied once and acked, or refused with a reason."""
    try:
        broker = Mosquitto(persistence=True).start()
    except BrokerError as err:
        unavailable(str(err))
    applied: list[str] = []
    b = MqttBridge(
        "asp1", broker.host, broker.port, None, None, registry, seen_ids_path=tmp_path / "latches.request-ids.json"
    )
    op = None
    try:
        b.start()
        assert b.wait_connected(5)
        scan = MiniScan(
            b, SetpointStore.from_specs(registry.specs), on_applied=lambda cmd, now: applied.append(cmd.request_id)
        ).start()
        op = Probe(broker.port, protocol="5", client_id="op-alice-laptop", clean_session=False)
        op.subscribe(f"{BASE}/op/alice/#")
        subscribed = time.time()
        db = broker.dir / "mosquitto.db"  # wait for an autosave after both sessions exist
        wait_until(lambda: db.exists() and db.stat().st_mtime > subscribed + 0.1, 15, "a broker autosave")
        broker.kill()
        time.sleep(0.5)
        mode, dhw, reset = envelope("manual"), envelope(55.0), envelope(target="all")
        sent = [
            ("setpoints/mode/set", mode),
            ("setpoints/dhw_setpoint_c/set", dhw),
            ("cmd/safety/reset", reset),
            ("setpoints/mode/set", mode),
        ]  # the last one is a replay of the first
        for topic, body in sent:
            op.publish(f"{BASE}/op/alice/{topic}", body, wait=False)
        broker.start()
        assert b.wait_connected(15)
        acks = {}
        for topic, body in sent:
            a = op.wait_for(
                f"{BASE}/op/alice/{topic}/ack",
                lambda m: m.json["request_id"] == body["request_id"] and id(m) not in {id(x) for x in acks.values()},
                timeout_s=20,
            )
            acks[len(acks)] = a
        got = [(a.json["accepted"], a.json["reason"]) for a in acks.values()]
        # a duplicate is refused at intake, at once; the first copy's ack waits for the scan: any order
        assert sorted(got, key=repr) == sorted(
            [
                (True, None),
                (True, None),
                (False, "no trip latched"),
                (False, f"duplicate request id {mode['request_id']!r}"),
            ],
            key=repr,
        )
        assert all(a.json["by"] == "alice" for a in acks.values())
        assert sorted(applied) == sorted([mode["request_id"], dhw["request_id"]])  # once each
        time.sleep(0.5)
        assert len(op.on(f"{BASE}/op/alice/setpoints/mode/set/ack")) == 2
        assert scan.store.value("dhw_setpoint_c", time.monotonic()) == 55.0
        scan.stop()
    finally:
        if op is not None:
            op.close()
        b.stop()
        broker.close()
