"""The simulated devices as their own process: ThermIQ's adapters reach them over TCP, a
socat RTU line and gRPC; the harness steers them over stdin."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from thermiq.adapters.braiins.client import BraiinsClient, BraiinsError
from thermiq.adapters.modbus.line import build_line
from thermiq.config.fieldbus import FieldbusConfig


class Proc:
    def __init__(self, *args: str) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-m", "hardware_sim.devices", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.ready = json.loads(self.p.stdout.readline())

    def ask(self, request: dict) -> dict:
        self.p.stdin.write(json.dumps(request) + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def close(self) -> int:
        self.p.terminate()
        return self.p.wait(10)


@pytest.fixture
def proc(free_port):
    pr = Proc(
        "--tcp-port", str(free_port()), "--rtu-pty", "auto", "--grpc-ports", "0,0", "--miner-ramp-w-per-s", "10000"
    )
    yield pr
    assert pr.close() == 0


def _line(port: str) -> FieldbusConfig:
    return FieldbusConfig.model_validate(
        {
            "rs485": {"port": port, "period_s": 0.2, "timeout_s": 0.3},
            "meters": [
                {"name": "miners", "model": "eastron_sdm630", "unit_id": 2},
                {"name": "house", "model": "carlo_gavazzi_em24", "unit_id": 4},
            ],
            "inverter": {"kind": "single-phase"},
        }
    )


def test_devices_process_serves_modbus_tcp_rtu_and_grpc(proc, wait_until):
    r = proc.ready
    assert r["ready"] and len(r["grpc_ports"]) == 2 and r["rtu_master_port"]
    assert proc.ask(
        {"update": {"miners.power_w": 6400.0, "house.power_w": 850.5, "inverter.grid_power_w": -1200.0}}
    ) == {"ok": True}
    tcp = build_line(_line(f"tcp://127.0.0.1:{r['tcp_port']}"))
    rtu = build_line(_line(r["rtu_master_port"]))
    try:
        for line in (tcp, rtu):
            wait_until(
                lambda: (
                    line.meters.snapshots()["house"].power_w == pytest.approx(850.5)
                    and line.meters.snapshots()["miners"].power_w == pytest.approx(6400.0)
                    and line.inverter.snapshot().grid_power_w == pytest.approx(-1200.0)
                ),
                what="values",
            )
        assert proc.ask({"fault": {"device": "house", "mode": "silent"}}) == {"ok": True}
        wait_until(lambda: rtu.meters.snapshots()["house"].power_w is None, what="silent over RTU")
    finally:
        tcp.close()
        rtu.close()


def test_miners_are_steered_and_observed_over_stdin(proc):
    port = proc.ready["grpc_ports"][1]
    c = BraiinsClient(f"127.0.0.1:{port}", "root", "root", 0.5)
    try:
        c.set_power_target(2000)
        state = proc.ask({"miner_state": None})["miners"][1]
        assert state["power_target_w"] == 2000.0
        assert proc.ask({"set_measured_power": {"miner": 1, "power_w": 1999.0}}) == {"ok": True}
        assert c.stats().power_stats.approximated_consumption.watt == 1999
        assert proc.ask({"miner_fault": {"miner": 1, "mode": "unavailable"}}) == {"ok": True}
        with pytest.raises(BraiinsError, match="UNAVAILABLE"):
            c.details()
    finally:
        c.close()


def test_bad_requests_get_error_replies_and_change_nothing(proc):
    assert proc.ask({"fault": {"device": "boiler", "mode": "silent"}})["ok"] is False
    bad = proc.ask({"update": {"house.power_w": 1.0, "house.colour": 3.0}})
    assert bad["ok"] is False and "colour" in bad["error"]
    assert proc.ask({"launch": 1})["error"] == "unknown request 'launch'"
    assert proc.ask({"miner_fault": {"miner": 7, "mode": "hang"}})["ok"] is False


@pytest.mark.parametrize(
    "args, msg",
    [
        (["--grpc-ports", "0", "--meters", "x:eastron_sdm630"], "name:model:unit_id"),
        ([], "nothing to serve"),
    ],
)
def test_bad_arguments_exit_with_2(args, msg):
    p = subprocess.run(
        [sys.executable, "-m", "hardware_sim.devices", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 2 and msg in p.stderr
