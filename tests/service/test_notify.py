"""systemd notify semantics under a real NOTIFY_SOCKET (an AF_UNIX datagram socket of the test):
no READY while piControl is not running, READY after the first good scan, WATCHDOG once per
completed scan, nothing while a scan hangs, STOPPING on SIGTERM."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.service.conftest import Daemon, Plant, bench_site
from thermiq.adapters.fakes import RecordingMiner, StaticInverter, StaticMeters
from thermiq.cycle.image import Signal
from thermiq.cycle.runner import Runner
from thermiq.cycle.watchdog import Notifier


@pytest.fixture
def notify_sock(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.05)
    yield sock, str(path)
    sock.close()


def drain(sock, seconds: float) -> list[dict[str, str]]:
    """Every datagram received within ``seconds``, parsed to {KEY: VALUE}."""
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data = sock.recv(4096).decode()
        except TimeoutError:
            continue
        out.append(dict(line.split("=", 1) for line in data.splitlines()))
    return out


def test_daemon_ready_only_after_a_good_scan_and_one_watchdog_per_scan(tmp_path, notify_sock, image_file, io_list):
    sock, path = notify_sock
    site = bench_site(tmp_path, period_s=0.05)
    d = Daemon(
        tmp_path,
        ["--config", str(site), "--field", "fake", "--procimg", str(image_file), "--run-dir", str(tmp_path / "run")],
        env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000"},
    )
    plant = None
    try:
        before = []  # blank image: piControl not running
        end = time.monotonic() + 60.0  # start-up (imports) on a loaded machine
        while not before and time.monotonic() < end:
            before = drain(sock, 0.5)
        before += drain(sock, 2.0)
        assert sum("WATCHDOG" in m for m in before) >= 5, before
        assert not any("READY" in m for m in before), "READY while piControl is not running"
        plant = Plant(io_list, image_file)
        plant.write()  # piControl running, inputs valid
        after = drain(sock, 2.0)
        ready = [i for i, m in enumerate(after) if "READY" in m]
        assert len(ready) == 1, after
        assert after[ready[0]]["READY"] == "1" and "scanning" in after[ready[0]]["STATUS"]
        assert sum("WATCHDOG" in m for m in after[ready[0] :]) >= 5
        assert d.stop() == 0
        rest = drain(sock, 0.5)
    finally:
        d.stop()
        if plant is not None:
            plant.close()
    assert any(m.get("STOPPING") == "1" for m in rest), rest
    msgs = before + after + rest
    stop = [e for e in d.journal() if e["event"] == "stop"]
    assert len(stop) == 1
    assert sum("WATCHDOG" in m for m in msgs) == stop[0]["scans"]  # exactly one per completed scan
    assert sum("READY" in m for m in msgs) == 1


class HangingImage:
    """A process image whose read blocks while ``hang`` is set (a hung driver call)."""

    io_running = True

    def __init__(self):
        self.hang = threading.Event()
        self.release = threading.Event()
        self.reads = 0

    def read(self):
        self.reads += 1
        if self.hang.is_set():
            self.release.wait(10)
        return {"buffer_top_temp_c": Signal(40.0)}

    def write(self, digital):
        pass


def test_a_hung_scan_stops_the_watchdog(notify_sock, cfg, io_list):
    sock, path = notify_sock
    fast = cfg.model_copy(update={"scan": cfg.scan.model_copy(update={"period_s": 0.02})})
    image = HangingImage()
    runner = Runner(
        fast,
        io_list,
        image,
        StaticInverter(),
        StaticMeters(),
        {m.name: RecordingMiner() for m in fast.miners},
        notifier=Notifier({"NOTIFY_SOCKET": path}),
    )
    stop = threading.Event()
    t = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    t.start()
    try:
        healthy = drain(sock, 0.5)
        assert sum("WATCHDOG" in m for m in healthy) >= 10
        image.hang.set()
        time.sleep(0.1)  # the scan in progress ends, the next one hangs
        drain(sock, 0.1)
        hung = drain(sock, 1.0)
        assert hung == [], "WATCHDOG sent while the scan hangs"
        image.hang.clear()
        image.release.set()
        resumed = drain(sock, 0.5)
        assert sum("WATCHDOG" in m for m in resumed) >= 5
    finally:
        image.release.set()
        stop.set()
        t.join(5)
