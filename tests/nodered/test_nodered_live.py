"""Real Node-RED (headless) with the project's flows.json against a real Mosquitto with the deploy ACL.

A state message must reach the dashboard widgets (read back from Dashboard 2.0's datastore at
``/dashboard/_debug/datastore/<node id>``), and a dashboard write must arrive at the controller as a
valid ``/set`` built by the project's function nodes and be acked. The write is injected headlessly
through ``POST /inject/<id>`` on test-only inject nodes wired exactly like the widget (to the same
function node); the project's nodes are used unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from tests.mqtt.miniscan import MiniScan
from tests.mqtt.mqtt_helpers import Probe
from tests.mqtt.testbroker import BrokerError, Mosquitto, free_port, make_passwd
from tests.support import unavailable
from thermiq.adapters.mqtt.bridge import MqttBridge
from thermiq.adapters.mqtt.nodered_flows import nid
from thermiq.adapters.mqtt.registry import REPO, registry_for_site
from thermiq.commands import SafetyCommand, SetpointCommand, SetpointStore, validate

NR = REPO / "nodered"
RED_JS = NR / "node_modules/node-red/red.js"
BASE = "thermiq/asp1"
PW = {"thermiq": "ctl", "nodered": "nr", "alice": "op"}
STATE = {
    "state/temperature/dhw_temp_c": 48.2,
    "state/inverter/pv_power_w": 5230.0,
    "state/inverter/battery_soc_pct": 46.52318,
    "state/output/p3_miner_loop_run": True,
    "state/valve/rv2/position": "moving",
    "state/miner/m1/hashrate_ths": 90.1,
    "state/safety/latched": True,
    "state/safety/first_out": "I5",
    "state/safety/trips": [
        {"id": "I5", "state": "latched", "first_out": True, "value": 86.1, "limit": 85.0, "since_s": 12.0}
    ],
}
INJECTS = {  # test-only inject node -> (project function node it feeds, payload, payload type)
    "dhw": ("setpoints/dhw_setpoint_c/set", "56.5", "num"),
    "mode": ("setpoints/mode/set", "manual", "str"),
    "grid": ("setpoints/grid_heating_allowed/set", "true", "bool"),
    "reset": ("cmd/safety/reset", "all", "str"),
}


def _http(port: int, path: str, method: str = "GET"):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(req, timeout=5) as r:
        body = r.read()
    if r.headers.get_content_type() == "application/json":
        return json.loads(body)
    return body.decode()


def _poll(fn, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as err:  # noqa: BLE001 - endpoint not ready yet
            last = err
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout_s} s (last: {last!r})")


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    if shutil.which("node") is None:
        unavailable("node not installed")
    if not RED_JS.exists():
        r = subprocess.run(
            ["sh", str(REPO / "scripts/install-node-red.sh")], capture_output=True, text=True, timeout=240
        )
        if r.returncode != 0:
            unavailable(f"cannot install Node-RED: {r.stderr[-300:]}")
    d = tmp_path_factory.mktemp("nodered")
    make_passwd(d / "passwd", PW)
    try:
        broker = Mosquitto(acl_file=REPO / "deploy/mosquitto/acl", passwd_file=d / "passwd").start()
    except BrokerError as err:
        unavailable(str(err))
    reg = registry_for_site(REPO / "thermiq/sites/asp1.toml")
    bridge = MqttBridge("asp1", broker.host, broker.port, "thermiq", PW["thermiq"], reg, None, d / "audit.jsonl")
    bridge.start()
    assert bridge.wait_connected(5)
    scan = MiniScan(bridge, SetpointStore.from_specs(reg.specs), extra=lambda: STATE).start()

    flows = json.loads((NR / "flows.json").read_text())
    tab = next(n["id"] for n in flows if n["type"] == "tab")
    for key, (topic, payload, ptype) in INJECTS.items():
        flows.append(
            {
                "id": nid("test-inject", key),
                "type": "inject",
                "z": tab,
                "name": f"test {key}",
                "props": [{"p": "payload"}],
                "payload": payload,
                "payloadType": ptype,
                "repeat": "",
                "crontab": "",
                "once": False,
                "topic": "",
                "x": 100,
                "y": 2000,
                "wires": [[nid("fn", topic)]],
            }
        )
    (d / "flows.json").write_text(json.dumps(flows))
    shutil.copy(NR / "flows_cred.json", d / "flows_cred.json")
    port = free_port()
    env = dict(
        os.environ,
        MQTT_HOST="127.0.0.1",
        MQTT_PORT=str(broker.port),
        MQTT_USER="nodered",
        MQTT_PASSWORD=PW["nodered"],
        NR_PORT=str(port),
        NR_HOST="127.0.0.1",
        NR_DISABLE_EDITOR="1",
    )
    log = d / "nodered.log"
    proc = subprocess.Popen(
        ["node", str(RED_JS), "--userDir", str(d), "--settings", str(NR / "settings.js"), str(d / "flows.json")],
        cwd=d,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        _poll(lambda: "Connected to broker" in log.read_text(), 20)
        probe = Probe(broker.port, "alice", PW["alice"])
        probe.subscribe(f"{BASE}/setpoints/#")
        probe.subscribe(f"{BASE}/cmd/#")
        yield {"port": port, "scan": scan, "bridge": bridge, "probe": probe, "log": log, "reg": reg}
        probe.close()
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        scan.stop()
        bridge.stop()
        broker.close()


def datastore(plant, node_id):
    return _http(plant["port"], f"/dashboard/_debug/datastore/{node_id}")


def _snapshot(plant, page: str = "overview", title: str = "Alarms") -> dict:
    msg = datastore(plant, nid("view", page, title))
    return (msg or {}).get("payload") or {}


def test_state_messages_reach_the_dashboard_views(plant):
    """Every view gets one snapshot of the registry topics from the dashboard model."""

    def v(path):
        return _snapshot(plant).get("v", {}).get(path)

    assert _poll(lambda: v("state/temperature/dhw_temp_c") == 48.2)
    assert _poll(lambda: v("state/inverter/pv_power_w") == 5230.0)
    assert _poll(lambda: v("state/output/p3_miner_loop_run") is True)
    assert _poll(lambda: v("state/valve/rv2/position") == "moving")
    assert _poll(lambda: v("state/safety/first_out") == "I5")
    assert _poll(lambda: _snapshot(plant).get("online") is True)
    assert _poll(lambda: _snapshot(plant)["stale"]["state/temperature/dhw_temp_c"] is False)
    trips = v("state/safety/trips")
    assert trips[0]["id"] == "I5" and trips[0]["first_out"] is True
    assert _snapshot(plant, "heat", "Temperatures")["v"]["state/temperature/dhw_temp_c"] == 48.2
    assert _poll(lambda: payload_of(plant, "input", "dhw_setpoint_c") == 52.0)  # value in force in the input
    assert _poll(lambda: payload_of(plant, "gauge", "state/inverter/battery_soc_pct") == 47.0)  # 0 decimals


def payload_of(plant, kind, key):
    msg = datastore(plant, nid(kind, key))
    return msg.get("payload") if msg else None


def _write(plant, key):
    plant["probe"].clear()
    assert _http(plant["port"], f"/inject/{nid('test-inject', key)}", "POST") == "OK"


def test_dashboard_setpoint_write_arrives_as_valid_set_and_is_acked(plant):
    probe, reg, scan = plant["probe"], plant["reg"], plant["scan"]
    _write(plant, "dhw")
    m = probe.wait_for(f"{BASE}/setpoints/dhw_setpoint_c/set")
    assert m.retain is False and m.qos == 1
    cmd, _ = validate("setpoints/dhw_setpoint_c/set", m.payload, m.retain, time.time(), reg.specs)
    assert isinstance(cmd, SetpointCommand) and cmd.value == 56.5 and cmd.request_id.startswith("nr-")
    ack = probe.wait_for(f"{BASE}/setpoints/dhw_setpoint_c/set/ack")
    assert ack.json == {
        "request_id": cmd.request_id,
        "accepted": True,
        "reason": None,
        "value_in_force": 56.5,
        "by": "local",
    }
    assert scan.store.value("dhw_setpoint_c", time.monotonic()) == 56.5
    msg = lambda: (datastore(plant, nid("text", "setpoints/ack-result")) or {}).get("payload")  # noqa: E731
    assert _poll(lambda: msg() == "setpoints/dhw_setpoint_c/set: accepted")
    assert _poll(lambda: (datastore(plant, nid("input", "dhw_setpoint_c")) or {}).get("payload") == 56.5)


@pytest.mark.parametrize(
    "key, topic, value",
    [("mode", "setpoints/mode/set", "manual"), ("grid", "setpoints/grid_heating_allowed/set", True)],
)
def test_dropdown_and_switch_writes(plant, key, topic, value):
    probe = plant["probe"]
    _write(plant, key)
    m = probe.wait_for(f"{BASE}/{topic}")
    assert json.loads(m.payload)["value"] == value
    assert probe.wait_for(f"{BASE}/{topic}/ack").json["accepted"] is True


def test_reset_button_path_sends_safety_command(plant):
    probe, scan = plant["probe"], plant["scan"]
    _write(plant, "reset")
    m = probe.wait_for(f"{BASE}/cmd/safety/reset")
    body = json.loads(m.payload)
    assert body["target"] == "all" and set(body) == {"request_id", "issued_at", "target"}
    assert probe.wait_for(f"{BASE}/cmd/safety/reset/ack").json["request_id"] == body["request_id"]
    assert any(isinstance(c, SafetyCommand) and c.request_id == body["request_id"] for c in scan.safety_log)
    text = lambda: (_snapshot(plant).get("cmd") or {}).get("text")  # noqa: E731   (shown in every banner)
    assert _poll(lambda: text() == "Reset: refused (no trip latched)")


def test_a_new_trip_raises_a_notification(plant):
    """The model tells the notification widget when a trip appears (the banner keeps showing it)."""
    before = dict(STATE)
    new = {
        "id": "I7",
        "state": "active_unack",
        "first_out": False,
        "value": 76.0,
        "limit": 75.0,
        "unit": "°C",
        "cause": "Hot-water tank temperature high-high",
        "hint": "check the valves",
        "since_s": 20.0,
    }
    try:
        STATE["state/safety/trips"] = STATE["state/safety/trips"] + [new]
        msg = lambda: (datastore(plant, nid("notify")) or {}).get("payload") or ""  # noqa: E731
        assert _poll(lambda: "TRIP I7: Hot-water tank temperature high-high" in msg())
        assert _poll(
            lambda: any(
                e["id"] == "I7" and e["to"] == "active_unack"
                for e in _snapshot(plant, "alarms", "Latched trips").get("events", [])
            )
        )
    finally:
        STATE.clear()
        STATE.update(before)
