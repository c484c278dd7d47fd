"""Hardware-in-the-loop: ``thermiq run``, the simulated devices and the plant as separate
processes for 10 plant minutes. The miners follow the PV surplus through the Braiins power
target, and a trip pauses them over gRPC (SA-006) and drops their contactors.

The controller starts on an image the plant has not yet filled and latches a trip on the
invalid first reading; as an operator would (SA-002/SA-007), the test acknowledges and
resets it over MQTT (a real Mosquitto on 127.0.0.1) before the miners may run.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEED = 10.0  # plant seconds per real second
SIM_S = 660.0  # plant seconds (11 min)
TRIP_AT_S = 480.0  # plant second from which the buffer top reads 90 °C


def site_config(text: str, ports: list[int], rs485_port: str) -> str:
    """asp1.toml with the miners on 127.0.0.1, the RS485 line on the socat pty, the energy
    timers shortened for the test, and faster polling of the field devices."""
    hosts = iter(ports)
    text = text.replace('port = "/dev/ttyRS485"', f'port = "{rs485_port}"')
    text = re.sub(r"^\[fieldbus.miner_link\]$", "[fieldbus.miner_link]\nmin_change_interval_s = 2.0", text, flags=re.M)
    text = re.sub(
        r'^host = "[^"]+".*$', lambda m: f'host = "127.0.0.1"\nport = {next(hosts)}', text, count=len(ports), flags=re.M
    )  # the [[miners]] hosts (the broker's comes later)
    for key, value in {
        "start_delay_s": 3.0,
        "stop_delay_s": 3.0,
        "min_on_s": 20.0,
        "min_off_s": 20.0,
        "power_ramp_w_per_s": 200.0,
        "period_s": 0.2,
        "poll_period_s": 0.5,
        "call_deadline_s": 1.0,
        "timeout_s": 0.3,
    }.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
    return text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mosquitto(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10.0
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, port
        except OSError:
            if time.monotonic() > end:
                proc.kill()
                pytest.fail("mosquitto did not start")
            time.sleep(0.05)


def _operator_reset(port: int) -> None:
    """Acknowledge and reset every latched trip, as the operator does over the VPN."""
    from paho.mqtt import publish

    for action in ("ack", "reset"):
        body = {"request_id": str(uuid.uuid4()), "issued_at": time.time(), "target": "all"}
        publish.single(f"thermiq/asp1/cmd/safety/{action}", json.dumps(body), qos=1, hostname="127.0.0.1", port=port)
        time.sleep(0.5)


@pytest.mark.skipif(
    subprocess.run(["which", "mosquitto"], capture_output=True).returncode != 0,
    reason="mosquitto not installed (scripts/install-system-deps.sh)",
)
def test_controller_devices_and_plant_in_separate_processes(tmp_path):
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
            str(SPEED),
            "--period",
            "0.2",
            "--sim-duration",
            str(SIM_S),
            "--start",
            "2009-06-21T09:00",
            "--battery-soc-pct",
            "97",
            "--trip-at",
            str(TRIP_AT_S),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    ready = json.loads(plant.stdout.readline())
    cfg = tmp_path / "site.toml"
    cfg.write_text(
        site_config((REPO / "thermiq/sites/asp1.toml").read_text(), ready["grpc_ports"], ready["rtu_master_port"])
    )
    env = {k: v for k, v in os.environ.items() if k != "THERMIQ_FIELDBUS"} | {"THERMIQ_MINER_PASSWORD": "root"}
    log_path = tmp_path / "controller.log"
    rows = []
    with open(log_path, "w") as log_file:
        ctrl = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "thermiq.cli",
                "run",
                "--config",
                str(cfg),
                "--procimg",
                str(img),
                "--field",
                "protocol",
                "--mqtt",
                f"127.0.0.1:{mqtt_port}",
            ],
            env=env,
            cwd=REPO,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            reset_done = False
            for line in plant.stdout:
                rows.append(json.loads(line))
                if not reset_done and rows[-1]["t_sim_s"] >= 30.0:
                    _operator_reset(mqtt_port)
                    reset_done = True
            assert plant.wait(30) == 0
        finally:
            ctrl.terminate()
            ctrl.wait(30)
            broker.terminate()
            broker.wait(10)
    ctrl_log = log_path.read_text().splitlines(keepends=True)
    (tmp_path / "plant_rows.json").write_text(json.dumps(rows))  # kept for a failing run's post-mortem
    assert rows[-1]["t_sim_s"] >= 600.0, "at least 10 plant minutes"
    before = [r for r in rows if not r["trip_forced"]]
    after = [r for r in rows if r["trip_forced"]]
    # miners follow the PV surplus: they were started and given power targets over gRPC
    mining = [r for r in before if any(r["miner_run"]) and any(r["contactor"])]
    assert mining, "no miner ran on the PV surplus:\n" + "".join(ctrl_log[-30:])
    assert max(sum(r["miner_power_w"]) for r in before) > 1500.0
    assert max(max(r["set_target_calls"]) for r in before) >= 1
    targets = {t for r in mining for t, run in zip(r["miner_target_w"], r["miner_run"]) if run}
    assert all(1700.0 <= t <= 3600.0 for t in targets)
    # ... without drawing on the grid for it (PV surplus only: grid_heating_allowed = false)
    late = mining[len(mining) // 2 :]
    assert sum(r["grid_w"] for r in late) / len(late) < 300.0
    # the trip pauses every miner over gRPC and drops the contactors
    end = after[-1]
    assert all(c >= 1 for c in end["pause_calls"]), end
    assert end["miner_run"] == [False, False] and end["contactor"] == [False, False]
    assert sum(end["miner_power_w"]) == pytest.approx(0.0, abs=50.0)
    assert any("I5_buffer_top_hh" in line for line in ctrl_log)
