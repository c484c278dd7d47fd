"""Latency of a setpoint command on loopback: publish /set -> scan applies it -> ack received,
and -> value in force published (``state/mode``), through the real controller (`thermiq run`).

Starts a throw-away Mosquitto on 127.0.0.1 and `thermiq run` on a file-backed process image with
the ASP1 configuration (scan period from ``--period``), toggles ``mode`` auto/manual ``--n`` times
and prints p50/p99/max. Each command is sent at a random phase of the scan grid, so a command
waits on average half a period for the next scan's drain phase; the status (state/mode) is
published every ``publish_every`` scans by the runner.

Usage: .venv/bin/python bench/mqtt_latency.py [--n 200] [--period 0.5 0.05]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.mqtt.testbroker import Mosquitto  # noqa: E402
from thermiq.adapters.mqtt import compat  # noqa: E402

BASE = "thermiq/asp1"


def _site_with_period(period_s: float, d: Path) -> Path:
    """Copy of the ASP1 site TOML with another scan period (the I/O list path made absolute)."""
    text = (REPO / "thermiq/sites/asp1.toml").read_text()
    data = tomllib.loads(text)
    text = text.replace(f"period_s = {data['scan']['period_s']}", f"period_s = {period_s}")
    text = text.replace('io_list = "Schaltschrank/io_list.csv"', f'io_list = "{REPO / "Schaltschrank/io_list.csv"}"')
    out = d / f"asp1_{period_s}.toml"
    out.write_text(text)
    return out


class Client:
    def __init__(self, port: int):
        self.c = compat.make_client(f"bench-{uuid.uuid4().hex[:6]}")
        self.cond = threading.Condition()
        self.seen: dict[str, list[tuple[float, bytes]]] = {}
        compat.bind(self.c, lambda rc: None, lambda rc: None, self._msg)
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def _msg(self, m):
        with self.cond:
            self.seen.setdefault(m.topic, []).append((time.perf_counter(), bytes(m.payload)))
            self.cond.notify_all()

    def wait(self, topic: str, pred, timeout_s: float = 10.0) -> float:
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while True:
                for t, payload in self.seen.get(topic, []):
                    if pred(payload):
                        return t
                if not self.cond.wait(max(0.0, deadline - time.monotonic())) and time.monotonic() > deadline:
                    raise TimeoutError(topic)


def run(period_s: float, n: int, d: Path) -> dict:
    import json

    broker = Mosquitto().start()
    site = _site_with_period(period_s, d)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "thermiq.cli",
            "run",
            "--field",
            "fake",
            "--config",
            str(site),
            "--procimg",
            str(d / f"img{period_s}"),
            "--mqtt",
            f"127.0.0.1:{broker.port}",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cl = Client(broker.port)
    try:
        cl.c.subscribe(f"{BASE}/#", 1)
        cl.wait(f"{BASE}/state/mode", lambda p: True, 30)
        ack_s, applied_s = [], []
        for i in range(n):
            value = "manual" if i % 2 == 0 else "auto"
            rid = f"bench-{uuid.uuid4().hex[:10]}"
            body = json.dumps({"request_id": rid, "issued_at": time.time(), "value": value, "lease_s": 600}).encode()
            time.sleep(random.uniform(0.0, period_s))  # random phase against the scan grid
            t0 = time.perf_counter()
            cl.c.publish(f"{BASE}/setpoints/mode/set", body, qos=1)
            t_ack = cl.wait(f"{BASE}/setpoints/mode/set/ack", lambda p, r=rid: r.encode() in p)
            t_state = cl.wait(f"{BASE}/state/mode", lambda p, v=value: json.loads(p) == v)
            ack_s.append(t_ack - t0)
            applied_s.append(t_state - t0)
            with cl.cond:
                cl.seen.clear()
        return {"ack": ack_s, "applied": applied_s}
    finally:
        cl.c.disconnect()
        cl.c.loop_stop()
        proc.terminate()
        proc.wait(10)
        broker.close()


def _q(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1] if len(xs) > 1 else xs[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--period", type=float, nargs="+", default=[0.5, 0.05])
    a = ap.parse_args(argv)
    if a.n < 2:
        ap.error("--n must be at least 2")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"paho {compat.PAHO_VERSION}, Mosquitto on 127.0.0.1, thermiq run (file-backed image), n={a.n}")
        print(f"{'period_s':>8} {'path':<28} {'p50_ms':>8} {'p99_ms':>8} {'max_ms':>8}")
        for period in a.period:
            r = run(period, a.n, Path(tmp))
            for key, label in (("ack", "/set -> ack"), ("applied", "/set -> state/mode in force")):
                xs = r[key]
                print(
                    f"{period:>8g} {label:<28} {_q(xs, 50) * 1e3:>8.1f} {_q(xs, 99) * 1e3:>8.1f} {max(xs) * 1e3:>8.1f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
