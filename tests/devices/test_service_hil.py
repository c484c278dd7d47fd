"""Done-when 1 of issue 9: the shipped unit's ``ExecStart`` line, unchanged but for the path of the
program and of the site file, runs the controller against the simulated devices (RS485 on a virtual
serial line, Braiins gRPC servers, a real Mosquitto) with nothing but the site file: the miners
follow the PV surplus, and every state topic of the registry carries a value, the extended
inverter topics included."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.devices.test_hil import _mosquitto, _operator_reset, site_config
from tests.service.conftest import free_port
from thermiq.adapters.mqtt import compat
from thermiq.adapters.mqtt.registry import build_registry
from thermiq.config.load import load_config
from thermiq.iomap.io_list import load_io_list
from thermiq.signals import INVERTER_SIGNALS

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "thermiq.service"
SIM_S = 420.0  # plant seconds (7 min at 10x: 42 s)
#: state topics whose null is a value: no trip latched has no first-out
NULL_MEANS_NONE = {"state/safety/first_out"}


def exec_start() -> list[str]:
    """The unit's ExecStart as argv (one line, no continuation)."""
    line = next(ln for ln in UNIT.read_text().splitlines() if ln.startswith("ExecStart="))
    return shlex.split(line.split("=", 1)[1])


def cabinet_site(tmp_path: Path, ready: dict, img: Path, mqtt_port: int) -> Path:
    """The site file of a cabinet whose devices are the simulated ones: every path and address in it."""
    text = site_config((REPO / "thermiq/sites/asp1.toml").read_text(), ready["grpc_ports"], ready["rtu_master_port"])
    text = text.replace('procimg = "/dev/piControl0"', f'procimg = "{img}"')
    text = text.replace('configrsc = "/etc/revpi/config.rsc"', f'configrsc = "{REPO}/Schaltschrank/config.rsc"')
    text = text.replace('io_list = "Schaltschrank/io_list.csv"', f'io_list = "{REPO}/Schaltschrank/io_list.csv"')
    for key in ("latches", "status_file", "command_spool", "path"):
        text = re.sub(
            rf'^{key} = "/(var/lib|run)/thermiq/([^"]+)"', rf'{key} = "{tmp_path}/state/\2"', text, flags=re.M
        )
    text = re.sub(
        r"^\[service\.broker\]\n(?:(?!\[).*\n)*",
        f'[service.broker]\nhost = "127.0.0.1"\nport = {mqtt_port}\n\n',
        text,
        flags=re.M,
    )
    text = re.sub(r"^port = 9105$", f"port = {free_port()}", text, flags=re.M)
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


class Retained:
    """Latest value of every topic under thermiq/asp1/state/ (a real MQTT subscriber)."""

    def __init__(self, port: int):
        self.values: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.client = compat.make_client("service-hil-probe")
        compat.bind(
            self.client, lambda rc: self.client.subscribe("thermiq/asp1/state/#", 1), lambda rc: None, self._msg
        )
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()

    def _msg(self, msg):
        with self.lock:
            self.values[msg.topic.removeprefix("thermiq/asp1/")] = bytes(msg.payload)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.mark.skipif(
    subprocess.run(["which", "mosquitto"], capture_output=True).returncode != 0,
    reason="mosquitto not installed (scripts/install-system-deps.sh)",
)
def test_shipped_execstart_runs_the_plant_from_the_site_file_alone(tmp_path):
    argv = exec_start()
    assert Path(argv[0]).name == "thermiq" and argv[1:] == ["run", "--config", "/etc/thermiq/site.toml"]
    broker, mqtt_port = _mosquitto(tmp_path)
    img = tmp_path / "procimg.bin"
    plant = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardware_sim.devices.hil_plant",
            "--procimg",
            str(img),
            "--speed",
            "10",
            "--period",
            "0.2",
            "--sim-duration",
            str(SIM_S),
            "--start",
            "2009-06-21T09:00",
            "--battery-soc-pct",
            "97",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    ready = json.loads(plant.stdout.readline())
    site = cabinet_site(tmp_path, ready, img, mqtt_port)
    cmd = [sys.executable, "-m", "thermiq.cli"] + [str(site) if a == "/etc/thermiq/site.toml" else a for a in argv[1:]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("THERMIQ_")}  # the site file only
    probe = Retained(mqtt_port)
    rows = []
    log_path = tmp_path / "journal.jsonl"
    with open(log_path, "w") as log_file:
        ctrl = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            reset_done, state = False, None
            for line in plant.stdout:
                rows.append(json.loads(line))
                if not reset_done and rows[-1]["t_sim_s"] >= 30.0:
                    _operator_reset(mqtt_port)
                    reset_done = True
                if state is None and rows[-1]["t_sim_s"] >= SIM_S - 30.0:  # while the devices still answer
                    with probe.lock:
                        state = dict(probe.values)
            assert plant.wait(30) == 0
        finally:
            probe.close()
            ctrl.terminate()
            ctrl.wait(30)
            broker.terminate()
            broker.wait(10)
    journal = log_path.read_text().splitlines()
    tail = "".join(line + "\n" for line in journal[-30:])
    assert all(line.startswith("{") for line in journal), tail  # JSON only
    # the miners follow the PV surplus over gRPC
    mining = [r for r in rows if any(r["miner_run"]) and any(r["contactor"])]
    assert mining, "no miner ran on the PV surplus:\n" + tail
    assert max(sum(r["miner_power_w"]) for r in rows) > 1500.0
    targets = {t for r in mining for t, run in zip(r["miner_target_w"], r["miner_run"]) if run}
    assert targets and all(1700.0 <= t <= 3600.0 for t in targets)
    # every state topic of the registry carries a value
    cfg = load_config(site)
    registry = build_registry(cfg, load_io_list(cfg.process_image.io_list).points)
    wanted = [t.path for t in registry.topics if t.kind == "state" and t.path.startswith("state/")]
    missing = [p for p in wanted if p not in state]
    assert not missing, f"never published: {missing}"
    null = [p for p in wanted if json.loads(state[p]) is None and p not in NULL_MEANS_NONE]
    assert not null, f"null state topics: {null}"
    inverter = {p for p in wanted if p.startswith("state/inverter/")}
    assert inverter == {f"state/inverter/{s.name}" for s in INVERTER_SIGNALS}
