"""Kill and restart the real controller process (`thermiq run`): latches restored, miners stay off.

The plant side writes the inputs into the same file-backed process image the controller reads
(revpimodio2 simulator mode) and reads back its outputs; like piControl it keeps rewriting them
(a frozen image ages and trips I8). Waiting is by polling with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hardware_sim.process_image import PlantProcessImage
from tests.core.conftest import RSC, healthy_inputs
from thermiq.adapters.revpi.process_image import make_procimg_file

REPO = Path(__file__).resolve().parents[2]


def _start(img: Path, latches: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "thermiq",
            "run",
            "--field",
            "fake",
            "--procimg",
            str(img),
            "--configrsc",
            str(RSC),
            "--latches",
            str(latches),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


class PiControl:
    """Plays piControl on the image file: rewrites ``values`` every 50 ms on its own image handle."""

    def __init__(self, io_list, img: Path, values: dict):
        self.image, self.values = PlantProcessImage(io_list, str(img), str(RSC)), values
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="picontrol", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.image.write_inputs(self.values)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self.image.close()


def _wait(pred, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _latched(path: Path) -> dict:
    try:
        return json.loads(path.read_text())["latched"]
    except (OSError, ValueError, KeyError):
        return {}


def _scanning(plant: PlantProcessImage, n: int = 3) -> bool:
    """True once the heartbeat output has toggled ``n`` times (the controller is scanning)."""
    seen, last, deadline = 0, plant.read_outputs()["heartbeat"], time.monotonic() + 15.0
    while seen < n and time.monotonic() < deadline:
        hb = plant.read_outputs()["heartbeat"]
        seen += hb != last
        last = hb
        time.sleep(0.02)
    return seen >= n


@pytest.mark.timeout(90)
def test_sigkill_and_restart_keeps_the_latches_and_the_miners_off(tmp_path, io_list):
    img = make_procimg_file(tmp_path / "pi.img", RSC)
    latches = tmp_path / "latches.json"
    plant = PlantProcessImage(io_list, str(img), str(RSC))
    values = dict(healthy_inputs(io_list), buffer_top_temp_c=90.0, k1_miner1_closed=False, k2_miner2_closed=False)
    plant.write_inputs(values)
    picontrol = PiControl(io_list, img, values)
    proc = _start(img, latches)
    try:
        _wait(lambda: "I5_buffer_top_hh" in _latched(latches), 30.0, "the I5 latch on disk")
        assert _scanning(plant)
        outs = plant.read_outputs()
        assert outs["alarm_lamp"] and not outs["k1_miner1_run"] and not outs["k2_miner2_run"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL

        # the cause is gone while the controller is down: a restart must not be a reset
        values["buffer_top_temp_c"] = 60.0
        plant.write_inputs(values)
        proc = _start(img, latches)
        assert _scanning(plant, 10), "restarted controller does not scan"
        for _ in range(20):
            outs = plant.read_outputs()
            assert outs["alarm_lamp"], "restored latch shows on the lamp"
            assert not outs["k1_miner1_run"] and not outs["k2_miner2_run"], "miners stay off after a restart"
            time.sleep(0.05)
        restored = _wait(
            lambda: _latched(latches).get("I5_buffer_top_hh", {}).get("alarm") == "cleared_unack" and _latched(latches),
            10.0,
            "the restored trip to see its cause cleared",
        )
        assert restored["I5_buffer_top_hh"]["alarm"] == "cleared_unack", "still latched, waiting for ack + reset"

        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        assert proc.returncode == 0
        outs = plant.read_outputs()
        assert not any(outs.values()), f"SIGTERM leaves the safe output image, got {outs}"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)
        picontrol.close()
        plant.close()


def test_corrupt_latch_file_restores_every_trip_latched(tmp_path, cfg):
    from thermiq.cycle.latches import LatchStore
    from thermiq.interlocks.trip_table import build_trip_table

    TRIP_TABLE = build_trip_table(cfg)
    path = tmp_path / "latches.json"
    path.write_text('{"latched": {"I5_buffer_top_hh": ')  # torn write of an older, non-atomic writer
    st, warning = LatchStore(path).load(0.0, tuple(t.id for t in TRIP_TABLE))
    assert warning and "unreadable" in warning
    assert set(st.latched) == {t.id for t in TRIP_TABLE}


def test_latch_file_naming_unknown_trips_restores_every_trip_latched(tmp_path, cfg):
    """A latched trip under an id the table no longer has (a renamed miner, an older table) is not
    dropped silently: a restart is never a reset."""
    import json

    from thermiq.cycle.latches import LatchStore
    from thermiq.interlocks.trip_table import build_trip_table

    ids = tuple(t.id for t in build_trip_table(cfg))
    path = tmp_path / "latches.json"
    path.write_text(
        json.dumps({"latched": {"I1_miner_outlet_hh": {"alarm": "active_unack", "first_out": True, "value": 70.0}}})
    )
    st, warning = LatchStore(path).load(0.0, ids)
    assert warning and "I1_miner_outlet_hh" in warning
    assert set(st.latched) == set(ids)
