"""node-red.service as shipped: its ExecStart, Environment= and WorkingDirectory=, with the installed
layout (/opt/thermiq/nodered, /var/lib/thermiq-nodered) mapped into a temporary root, run a real
Node-RED with the repository's flows against a real Mosquitto (deploy ACL, user nodered)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cabinet.test_systemd_unit import parse_unit
from tests.mqtt.testbroker import BrokerError, Mosquitto, free_port, make_passwd
from tests.support import unavailable

REPO = Path(__file__).resolve().parents[2]
UNIT = parse_unit((REPO / "systemd/node-red.service").read_text(encoding="utf-8"))["Service"]
NR = REPO / "nodered"


def test_the_unit_runs_node_red_with_the_repository_flows(tmp_path):
    if shutil.which("node") is None:
        unavailable("node not installed")
    if not (NR / "node_modules/node-red/red.js").exists():
        unavailable("Node-RED not installed in nodered/ (scripts/install-node-red.sh)")
    # the installed layout: /opt/thermiq/nodered = the repository's files + node_modules (npm ci)
    opt = tmp_path / "opt/thermiq/nodered"
    opt.mkdir(parents=True)
    for name in ("flows.json", "flows_cred.json", "settings.js", "package.json"):
        shutil.copy(NR / name, opt / name)
    (opt / "node_modules").symlink_to(NR / "node_modules")
    state = tmp_path / "var/lib/thermiq-nodered"  # StateDirectory=thermiq-nodered
    state.mkdir(parents=True)
    assert UNIT["StateDirectory"] == ["thermiq-nodered"]

    make_passwd(tmp_path / "passwd", {"nodered": "nr-secret"})
    try:
        broker = Mosquitto(acl_file=REPO / "deploy/mosquitto/acl", passwd_file=tmp_path / "passwd").start()
    except BrokerError as err:
        unavailable(str(err))
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(state)}
    for line in UNIT["Environment"]:
        env.update(kv.split("=", 1) for kv in shlex.split(line))
    assert env["NR_HOST"] == "127.0.0.1" and env["NR_DISABLE_EDITOR"] == "1"
    env["NR_PORT"] = str(port)  # a free port instead of 1880
    # what deploy/install.sh writes to /etc/thermiq/node-red.env (EnvironmentFile=)
    assert UNIT["EnvironmentFile"] == ["/etc/thermiq/node-red.env"]
    env.update(MQTT_USER="nodered", MQTT_PASSWORD="nr-secret", MQTT_HOST="127.0.0.1", MQTT_PORT=str(broker.port))

    def here(arg: str) -> str:
        for installed in ("/opt/thermiq/nodered", "/var/lib/thermiq-nodered"):
            arg = arg.replace(installed, str(tmp_path) + installed)
        return arg

    for pre in UNIT.get("ExecStartPre", []):
        subprocess.run([here(a) for a in shlex.split(pre)], cwd=here(UNIT["WorkingDirectory"][0]), env=env, check=True)
    argv = [here(a) for a in shlex.split(UNIT["ExecStart"][0])]
    assert argv[0] == "/usr/bin/node" and argv[-1] == str(opt / "flows.json")
    argv[0] = shutil.which("node")
    flows_before = (opt / "flows.json").read_bytes()
    log = tmp_path / "node-red.log"
    proc = subprocess.Popen(
        argv, cwd=here(UNIT["WorkingDirectory"][0]), env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 40
        while "Connected to broker" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-2000:]
            time.sleep(0.2)
        text = log.read_text()
        assert "Connected to broker" in text, broker.log.read_text()[-1500:] + text[-1500:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/dashboard", timeout=5) as r:
            assert r.status == 200
        # the editor is off; the flows file of the install tree is read, never written
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/red/main.min.js", timeout=5)
        assert (opt / "flows.json").read_bytes() == flows_before
        assert any(state.iterdir())  # Node-RED's runtime files land in its userDir (the state directory)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        broker.close()
