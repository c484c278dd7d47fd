"""Helpers for the daemon tests: a site file for a bench run, the daemon as a subprocess, its journal."""

from __future__ import annotations

import json
import os
import re
import socket
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
ASP1 = REPO / "thermiq" / "sites" / "asp1.toml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_site(tmp_path: Path, period_s: float = 0.1, metrics_port: int = 0, broker: str | None = None) -> Path:
    """asp1.toml with a fast scan, the metrics on ``metrics_port`` and ``[service.broker]`` replaced by
    ``broker`` (the TOML body of the section, or ``None`` to drop it)."""
    text = ASP1.read_text(encoding="utf-8")
    text = re.sub(r"^period_s = 0\.5$", f"period_s = {period_s}", text, flags=re.M)
    text = re.sub(r"^port = 9105$", f"port = {metrics_port}", text, flags=re.M)
    body = re.compile(r"^\[service\.broker\]\n(?:(?!\[).*\n)*", re.M)
    text = body.sub("" if broker is None else f"[service.broker]\n{broker}\n\n", text)
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Daemon:
    """``thermiq run`` as a subprocess with its journal (stdout) in a file."""

    def __init__(self, tmp_path: Path, argv: list[str], env: dict | None = None):
        self.log = tmp_path / "journal.jsonl"
        self._fh = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "thermiq.cli", "run", *argv],
            cwd=REPO,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    def journal(self) -> list[dict]:
        """Every journal line so far, parsed (a non-JSON line fails the test)."""
        out = []
        for line in self.log.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pytest.fail(f"journal line is not JSON: {line!r}")
        return out

    def stop(self, timeout_s: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        rc = self.proc.wait(timeout_s)
        self._fh.close()
        return rc


class Plant:
    """The plant side of a file-backed image, refreshed every 0.05 s as piControl does once started
    (:meth:`write`); until then piControl is 'not running' (status 0)."""

    def __init__(self, io_list, img: Path):
        self.image = PlantProcessImage(io_list, str(img), str(RSC))
        self.values = healthy_inputs(io_list)
        self.overrides: dict = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def write(self, **overrides) -> None:
        """Start refreshing (first call) with the healthy inputs and ``overrides``."""
        with self._lock:
            self.overrides = overrides
            self.image.write_inputs({**self.values, **self.overrides})
        if self._thread is None:
            self._thread = threading.Thread(target=self._refresh, daemon=True)
            self._thread.start()

    def _refresh(self) -> None:
        while not self._stop.wait(0.05):
            with self._lock:
                self.image.write_inputs({**self.values, **self.overrides})

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        self.image.close()


@pytest.fixture
def image_file(tmp_path) -> Path:
    """A fresh image file: piControl not running (status 0) until the plant writes it."""
    return make_procimg_file(tmp_path / "pi.img", RSC)


def wait_for(pred, timeout_s: float, what: str):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")
