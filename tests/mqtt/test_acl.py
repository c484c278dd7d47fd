"""The deploy/ broker ACL and user script on a real Mosquitto: who may change what."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.mqtt.miniscan import MiniScan
from tests.mqtt.mqtt_helpers import envelope
from tests.mqtt.testbroker import BrokerError, Mosquitto, make_passwd, make_test_ca
from tests.support import unavailable
from thermiq.adapters.mqtt.bridge import MqttBridge
from thermiq.adapters.mqtt.registry import REPO
from thermiq.commands import SetpointStore

BASE = "thermiq/asp1"
DEPLOY = REPO / "deploy/mosquitto"
SYSTEM = {"thermiq": "ctl-pw", "nodered": "nr-pw", "homeassistant": "ha-pw"}
PW = {**SYSTEM, "alice": "op-pw"}


@pytest.fixture
def secure_broker(tmp_path):
    passwd = tmp_path / "passwd"
    env = dict(os.environ, **{f"THERMIQ_MQTT_PW_{u.upper()}": pw for u, pw in SYSTEM.items()})
    out = subprocess.run(
        ["sh", str(DEPLOY / "create-users.sh"), str(passwd)], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    assert "3 user(s)" in out.stdout
    out = subprocess.run(
        ["sh", str(DEPLOY / "add-operator.sh"), "alice", str(passwd)],
        env=dict(os.environ, THERMIQ_OPERATOR_PASSWORD=PW["alice"]),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert sorted(line.split(":")[0] for line in passwd.read_text().splitlines()) == sorted(PW)
    try:
        b = Mosquitto(acl_file=DEPLOY / "acl", passwd_file=passwd).start()
    except BrokerError as err:
        unavailable(str(err))
    yield b
    b.close()


@pytest.fixture
def plant(secure_broker, registry):
    bridge = MqttBridge("asp1", secure_broker.host, secure_broker.port, "thermiq", PW["thermiq"], registry)
    bridge.start()
    assert bridge.wait_connected(5)
    scan = MiniScan(
        bridge, SetpointStore.from_specs(registry.specs), extra=lambda: {"state/temperature/dhw_temp_c": 45.0}
    ).start()
    yield bridge, scan
    scan.stop()
    bridge.stop()


def test_user_script_skips_unset_users(tmp_path):
    passwd = tmp_path / "p"
    env = {k: v for k, v in os.environ.items() if not k.startswith("THERMIQ_MQTT_PW_")}
    env["THERMIQ_MQTT_PW_NODERED"] = "x"
    out = subprocess.run(
        ["sh", str(DEPLOY / "create-users.sh"), str(passwd)], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0 and "1 user(s)" in out.stdout and "skip thermiq" in out.stderr
    assert [line.split(":")[0] for line in passwd.read_text().splitlines()] == ["nodered"]


def test_homeassistant_reads_but_cannot_change_anything(secure_broker, plant, probe_factory):
    bridge, scan = plant
    ha = probe_factory(secure_broker.port, "homeassistant", PW["homeassistant"])
    assert ha.rc == 0
    ha.subscribe(f"{BASE}/#")
    assert ha.wait_for(f"{BASE}/state/temperature/dhw_temp_c").json == 45.0  # read works
    ha.publish(f"{BASE}/setpoints/dhw_setpoint_c/set", envelope(58.0))
    ha.publish(f"{BASE}/cmd/safety/reset", envelope(target="all"))
    ha.publish(f"{BASE}/state/temperature/dhw_temp_c", b"99.0", retain=True)  # forge state
    ha.publish(f"{BASE}/status", b"offline", retain=True)
    time.sleep(0.5)
    assert scan.store.leases == {} and scan.safety_log == []
    assert bridge.stats["received"] == 0 and bridge.stats["refused"] == 0  # never reached the controller
    assert ha.on(f"{BASE}/setpoints/dhw_setpoint_c/set/ack") == []
    watcher = probe_factory(secure_broker.port, "alice", PW["alice"])
    watcher.subscribe(f"{BASE}/state/temperature/dhw_temp_c")
    watcher.subscribe(f"{BASE}/status")
    assert watcher.wait_for(f"{BASE}/state/temperature/dhw_temp_c").json == 45.0
    assert watcher.wait_for(f"{BASE}/status").payload == b"online"


def test_nodered_writes_setpoints_and_safety_but_not_state(secure_broker, plant, probe_factory):
    bridge, scan = plant
    nr = probe_factory(secure_broker.port, "nodered", PW["nodered"])
    nr.subscribe(f"{BASE}/#")
    body = envelope(58.0)
    nr.publish(f"{BASE}/setpoints/dhw_setpoint_c/set", body)
    ack = nr.wait_for(f"{BASE}/setpoints/dhw_setpoint_c/set/ack")
    assert ack.json["accepted"] is True and ack.json["request_id"] == body["request_id"]
    nr.publish(f"{BASE}/cmd/safety/ack", envelope(target="all"))
    nr.wait_for(f"{BASE}/cmd/safety/ack/ack")
    nr.clear()
    nr.publish(f"{BASE}/setpoints/dhw_setpoint_c/set/ack", b'{"accepted":true}')  # forge an ack
    nr.publish(f"{BASE}/state/mode", b'"manual"', retain=True)
    time.sleep(0.4)
    assert nr.on(f"{BASE}/setpoints/dhw_setpoint_c/set/ack") == []
    assert nr.on(f"{BASE}/state/mode") == []


def test_operator_may_reset_under_own_name_only(secure_broker, plant, probe_factory):
    bridge, scan = plant
    op = probe_factory(secure_broker.port, "alice", PW["alice"])
    op.subscribe(f"{BASE}/#")
    body = envelope(target="all")
    op.publish(f"{BASE}/op/alice/cmd/safety/reset", body)
    ack = op.wait_for(f"{BASE}/op/alice/cmd/safety/reset/ack")
    assert (ack.json["reason"], ack.json["by"], ack.json["request_id"]) == (
        "no trip latched",
        "alice",
        body["request_id"],
    )
    assert [(c.action, c.by) for c in scan.safety_log] == [("reset", "alice")]
    op.publish(f"{BASE}/cmd/safety/reset", envelope(target="all"))  # the cabinet's topic
    op.publish(f"{BASE}/op/nodered/cmd/safety/reset", envelope(target="all"))  # another's name
    op.publish(f"{BASE}/setpoints/mode/set", envelope("manual"))
    time.sleep(0.5)
    assert len(scan.safety_log) == 1 and bridge.stats["refused"] == 0 and scan.store.leases == {}


def test_system_users_cannot_pose_as_operators(secure_broker, plant, probe_factory):
    """The %u patterns also apply to nodered and homeassistant; the controller refuses their names."""
    bridge, scan = plant
    nr = probe_factory(secure_broker.port, "nodered", PW["nodered"])
    nr.subscribe(f"{BASE}/op/nodered/#")
    nr.publish(f"{BASE}/op/nodered/cmd/safety/reset", envelope(target="all"))
    ack = nr.wait_for(f"{BASE}/op/nodered/cmd/safety/reset/ack")
    assert ack.json["accepted"] is False and "unknown operator" in ack.json["reason"] and ack.json["by"] is None
    assert scan.safety_log == []


@pytest.mark.parametrize("name", ["thermiq", "nodered", "homeassistant", "Alice", "a/b", "a+", "#", "-x", "x" * 33, ""])
def test_add_operator_refuses_bad_or_reserved_names(tmp_path, name):
    from thermiq.commands import check_operator_name

    assert check_operator_name(name) is not None  # the controller refuses the same names
    out = subprocess.run(
        ["sh", str(DEPLOY / "add-operator.sh"), name, str(tmp_path / "p")],
        env=dict(os.environ, THERMIQ_OPERATOR_PASSWORD="x"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2 and out.stderr and not (tmp_path / "p").exists()


def test_remove_operator_ends_the_login(secure_broker, tmp_path, probe_factory):
    passwd = Path(secure_broker.conf.read_text().split("password_file ")[1].split()[0])
    assert probe_factory(secure_broker.port, "alice", PW["alice"]).rc == 0
    out = subprocess.run(
        ["sh", str(DEPLOY / "remove-operator.sh"), "alice", str(passwd)], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    assert "alice" not in {line.split(":")[0] for line in passwd.read_text().splitlines()}
    secure_broker.proc.send_signal(signal.SIGHUP)  # systemctl reload mosquitto
    time.sleep(0.5)
    assert probe_factory(secure_broker.port, "alice", PW["alice"]).rc not in (None, 0)
    out = subprocess.run(
        ["sh", str(DEPLOY / "remove-operator.sh"), "thermiq", str(passwd)], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 2 and "system user" in out.stderr


@pytest.mark.parametrize("user, pw", [(None, None), ("nodered", "wrong"), ("intruder", "x")])
def test_unknown_or_anonymous_clients_are_refused(secure_broker, probe_factory, user, pw):
    p = probe_factory(secure_broker.port, user, pw)
    assert p.rc not in (None, 0)


def test_tls_listener_with_authentication(tmp_path, registry):
    """The optional TLS listener: the bridge connects with the CA; a plain-TCP client cannot."""

    try:
        tls = make_test_ca(tmp_path)
    except BrokerError as err:
        unavailable(str(err))
    passwd = tmp_path / "passwd"
    make_passwd(passwd, {"thermiq": PW["thermiq"]})
    try:
        broker = Mosquitto(acl_file=DEPLOY / "acl", passwd_file=passwd, tls=tls).start()
    except BrokerError as err:
        unavailable(str(err))
    try:
        bridge = MqttBridge("asp1", "127.0.0.1", broker.port, "thermiq", PW["thermiq"], registry, tls_ca=str(tls[0]))
        bridge.start()
        try:
            assert bridge.wait_connected(10)
        finally:
            bridge.stop()
        plain = MqttBridge("asp1", "127.0.0.1", broker.port, "thermiq", PW["thermiq"], registry)
        plain.start()
        try:
            assert not plain.wait_connected(1.5)
        finally:
            plain.stop()
    finally:
        broker.close()
