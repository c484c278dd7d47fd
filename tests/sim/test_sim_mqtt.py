"""`thermiq sim --mqtt HOST:PORT` publishes the simulated plant's state as retained topics."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import paho.mqtt.subscribe as subscribe

from tests.core.conftest import REPO
from tests.mqtt.conftest import broker  # noqa: F401  (real Mosquitto on a free port)


def test_sim_publishes_retained_state(broker, tmp_path):  # noqa: F811
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "thermiq",
            "sim",
            "--days",
            "0.05",
            "--quiet",
            "--out",
            str(tmp_path / "r"),
            "--mqtt",
            f"{broker.host}:{broker.port}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    time.sleep(0.2)
    # a late subscriber gets the retained values: the state outlives the publisher
    msgs = subscribe.simple(
        ["thermiq/asp1/state/temperature/buffer_top_temp_c", "thermiq/asp1/state/mode", "thermiq/asp1/status"],
        hostname=broker.host,
        port=broker.port,
        msg_count=3,
        retained=True,
        keepalive=10,
    )
    got = {m.topic: m.payload.decode() for m in msgs}
    assert all(m.retain for m in msgs)
    assert 10.0 < json.loads(got["thermiq/asp1/state/temperature/buffer_top_temp_c"]) < 90.0
    assert json.loads(got["thermiq/asp1/state/mode"]) == "auto"
    assert got["thermiq/asp1/status"] == "offline"  # the simulation ended and said so
