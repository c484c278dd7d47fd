"""Done-when 2: `thermiq run` and the plant in separate processes share only the process image.

The plant process (revpimodio2 simulator mode) starts with a cold room; the controller process
(the unchanged `thermiq run` on a file-backed image with the ASP1 config.rsc) switches P5 on;
the plant sees the output in the image and the room turns from cooling to warming; after the
controller stops (safe outputs), it cools again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.core.conftest import REPO


def _wait_for(path, timeout_s=20.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if path.exists() and path.stat().st_size > 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def test_loop_closes_across_processes(tmp_path):
    img, log = tmp_path / "procimg.bin", tmp_path / "plant.jsonl"
    plant = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardware_sim",
            "--procimg",
            str(img),
            "--period",
            "0.05",
            "--speed",
            "120",
            "--duration",
            "14",
            "--start",
            "2009-01-12",
            "--room-c",
            "18.0",
            "--log",
            str(log),
        ],
        cwd=REPO,
    )
    try:
        _wait_for(log)
        time.sleep(2.0)  # plant alone: outputs all off
        ctrl = subprocess.run(
            [sys.executable, "-m", "thermiq", "run", "--field", "fake", "--procimg", str(img), "--max-scans", "16"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ctrl.returncode == 0, ctrl.stderr
        assert plant.wait(timeout=30) == 0
    finally:
        plant.kill()
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    p5 = [r["outputs"]["p5_heating_run"] for r in rows]
    first_on = p5.index(True)
    last_on = len(p5) - 1 - p5[::-1].index(True)
    assert first_on > 10 and last_on < len(rows) - 10, "P5 on only while the controller ran"
    room = [r["sensors"]["room_temp_c"] for r in rows]
    heat = [r["house_heat_w"] for r in rows]
    assert max(heat[:first_on]) < 50.0 and min(heat[first_on + 5 : last_on]) > 1000.0
    assert room[first_on] < room[0], "room cooled while nothing heated"
    assert room[last_on] > room[first_on], "room warmed while the controller ran P5"
    # the heartbeat output of the controller toggled and the plant saw it
    beats = {r["outputs"]["heartbeat"] for r in rows[first_on:last_on]}
    assert beats == {True, False}
