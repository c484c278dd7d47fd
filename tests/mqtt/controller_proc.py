"""The real controller (`thermiq run`) as a child process on a file-backed process image whose
inputs a plant side writes (revpimodio2 simulator mode), for end-to-end MQTT tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from hardware_sim.process_image import PlantProcessImage
from tests.core.conftest import RSC, healthy_inputs
from thermiq.adapters.mqtt.registry import REPO
from thermiq.adapters.revpi.process_image import make_procimg_file


class Controller:
    """``thermiq run --procimg --latches --mqtt`` with the plant's inputs under test control.

    ``journal`` is the process's stdout+stderr (what systemd puts in the journal)."""

    def __init__(self, tmp_path: Path, io_list, broker_port: int, env: dict | None = None):
        self.dir = tmp_path
        self.img = make_procimg_file(tmp_path / "pi.img", RSC)
        self.plant = PlantProcessImage(io_list, str(self.img), str(RSC))
        self.values = healthy_inputs(io_list)
        self.plant.write_inputs(self.values)
        self.latches, self.audit, self.journal = (tmp_path / n for n in ("latches.json", "audit.jsonl", "journal.log"))
        self.port = broker_port
        self.env = {**os.environ, "THERMIQ_AUDIT_LOG": str(self.audit), **(env or {})}
        self.proc: subprocess.Popen | None = None
        self._log = None
        # play piControl: rewrite the inputs (and the cycle byte) every 0.25 s, or the controller sees a
        # frozen image and trips I8 after limits.signal_max_age_s (2 s), whatever the test is doing
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._cycler = threading.Thread(target=self._cycle, name="picontrol-sim", daemon=True)

    def _cycle(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                self.plant.write_inputs(self.values)

    def start(self) -> Controller:
        self._log = open(self.journal, "ab")
        if not self._cycler.is_alive():
            self._cycler.start()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "thermiq",
                "run",
                "--field",
                "fake",
                "--procimg",
                str(self.img),
                "--run-dir",
                str(self.dir),
                "--configrsc",
                str(RSC),
                "--latches",
                str(self.latches),
                "--mqtt",
                f"127.0.0.1:{self.port}",
            ],
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        return self

    def set_inputs(self, **values) -> None:
        with self._lock:
            self.values.update(values)
            self.plant.write_inputs(self.values)

    def kill(self) -> None:
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        self._end(signal.SIGTERM)

    def _end(self, sig) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        self.stop()
        self._stop.set()
        if self._cycler.is_alive():
            self._cycler.join(2.0)
        self.plant.close()

    def latched(self) -> dict:
        try:
            return json.loads(self.latches.read_text())["latched"]
        except (OSError, ValueError, KeyError):
            return {}

    def audit_records(self) -> list[dict]:
        try:
            return [json.loads(x) for x in self.audit.read_text().splitlines()]
        except OSError:
            return []

    def journal_text(self) -> str:
        return self.journal.read_text(errors="replace") if self.journal.exists() else ""


def wait_until(pred, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def trip_state(probe, base: str, trip_id: str, timeout_s: float = 10.0, want: str | None = None) -> str | None:
    """The trip's alarm state as last published on ``state/safety/trips`` (None = not latched);
    with ``want``, wait until it is that."""
    topic = f"{base}/state/safety/trips"

    def current():
        msgs = probe.on(topic)
        if not msgs:
            return None, False
        items = {t["id"]: t["state"] for t in msgs[-1].json}
        return items.get(trip_id), True

    if want is None:
        wait_until(lambda: current()[1], timeout_s, topic)
        return current()[0]
    wait_until(
        lambda: current() == (want, True) if want != "none" else current() == (None, True),
        timeout_s,
        f"{trip_id} -> {want}",
    )
    return want
