"""Every command kind, accepted and refused, from MQTT and from the cabinet shell, leaves exactly one
JSON journal line with its request id and user, and one outcome record in the audit log; trip
transitions and setpoint changes have their own events; the operator commands read the daemon.

Kinds: ``setpoints/<name>/set``, ``cmd/safety/ack``, ``cmd/safety/reset`` over MQTT, and
``thermiq ack|reset`` in the cabinet shell. Refused covers validation (limits, expiry) and the
scan's rules (a reset before the acknowledge, an unknown trip).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.mqtt.mqtt_helpers import Probe, envelope
from tests.mqtt.testbroker import BrokerError, Mosquitto
from tests.service.conftest import REPO, Daemon, Plant, bench_site, wait_for
from tests.support import unavailable
from thermiq.service.audit import read_audit
from thermiq.service.status_file import read_status

BASE = "thermiq/asp1"
TRIP = "I5_buffer_top_hh"


def shell(run_dir, *argv, user="alice") -> subprocess.CompletedProcess:
    """A cabinet-shell command as operator ``user`` (behind sudo)."""
    return subprocess.run(
        [sys.executable, "-m", "thermiq.cli", *argv, "--run-dir", str(run_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "SUDO_USER": user},
    )


@pytest.fixture
def broker():
    try:
        b = Mosquitto().start()
    except BrokerError as err:
        unavailable(str(err))
    yield b
    b.close()


def test_every_command_kind_leaves_one_journal_line_with_request_id_and_user(tmp_path, image_file, io_list, broker):
    run = tmp_path / "run"
    plant = Plant(io_list, image_file)
    plant.write()
    d = Daemon(
        tmp_path,
        [
            "--config",
            str(bench_site(tmp_path, period_s=0.05)),
            "--field",
            "fake",
            "--procimg",
            str(image_file),
            "--run-dir",
            str(run),
            "--mqtt",
            f"127.0.0.1:{broker.port}",
        ],
    )
    probe = Probe(broker.port)
    expect: dict[str, str] = {}  # request id -> "accepted" | "refused" | "rejected"
    users: dict[str, str | None] = {}

    def mqtt(topic: str, body: dict, outcome: str):
        rid = body["request_id"]
        probe.publish(f"{BASE}/{topic}", body)
        ack = probe.wait_for(f"{BASE}/{topic}/ack", lambda m: m.json["request_id"] == rid, 10).json
        assert ack["accepted"] == (outcome == "accepted"), (topic, body, ack)
        expect[rid], users[rid] = outcome, "local"  # bare command topics: the local clients (issue 13)

    def local(action: str, target: str, outcome: str):
        res = shell(run, action, target)
        rid = res.stdout.rsplit("(request ", 1)[1].rstrip(")\n")
        assert res.returncode == (0 if outcome == "accepted" else 1), res.stdout + res.stderr
        expect[rid], users[rid] = outcome, "alice"
        return res.stdout

    try:
        probe.subscribe(f"{BASE}/#")
        probe.wait_for(f"{BASE}/status", lambda m: m.payload == b"online", 30)
        wait_for(lambda: (run / "status.json").exists(), 10, "the status file")
        # a real trip: buffer top 90 degC, then back to normal (cleared, unacknowledged)
        plant.write(buffer_top_temp_c=90.0)
        wait_for(lambda: TRIP in read_status(run / "status.json")["latched"], 30, f"{TRIP} latched")
        plant.write()
        wait_for(
            lambda: read_status(run / "status.json")["trips"].get(TRIP, {}).get("state") == "cleared_unack",
            30,
            f"{TRIP} cleared",
        )
        trips = shell(run, "trips").stdout
        assert TRIP in trips and "FIRST-OUT" in trips and "normal -> active_unack" in trips, trips
        io = shell(run, "io", "--procimg", str(image_file), "--config", str(tmp_path / "site.toml")).stdout
        assert "buffer_top_temp_c" in io and "piControl running" in io and "miner:m1" in io, io

        mqtt("setpoints/dhw_setpoint_c/set", envelope(50.0), "accepted")
        mqtt("setpoints/dhw_setpoint_c/set", envelope(99.0), "refused")  # above the tank's max
        mqtt("cmd/safety/reset", envelope(target=TRIP), "rejected")  # not acknowledged yet
        mqtt("cmd/safety/ack", envelope(target=TRIP, issued_at=time.time() - 600), "refused")  # expired
        mqtt("cmd/safety/ack", envelope(target=TRIP), "accepted")
        mqtt("cmd/safety/reset", envelope(target=TRIP), "accepted")
        local("ack", "I99_no_such_trip", "rejected")
        # the status file lags the scan: see the reset in it before tripping again, then the new trip
        wait_for(lambda: TRIP not in read_status(run / "status.json")["latched"], 30, f"{TRIP} reset")
        plant.write(buffer_top_temp_c=90.0)
        wait_for(
            lambda: read_status(run / "status.json")["trips"].get(TRIP, {}).get("state") == "active_unack",
            30,
            f"{TRIP} latched again",
        )
        plant.write()
        wait_for(
            lambda: read_status(run / "status.json")["trips"].get(TRIP, {}).get("state") == "cleared_unack",
            30,
            f"{TRIP} cleared again",
        )
        local("reset", TRIP, "rejected")
        local("ack", "all", "accepted")
        local("reset", "all", "accepted")
        wait_for(lambda: not read_status(run / "status.json")["latched"], 10, "no trip latched")
        time.sleep(1.0)  # the bridge worker flushes the last audit records
    finally:
        probe.close()
        rc = d.stop()
        plant.close()
    assert rc == 0
    journal = d.journal()
    commands = [e for e in journal if e["event"] == "command"]
    for rid, outcome in expect.items():
        lines = [e for e in commands if e["request_id"] == rid]
        assert len(lines) == 1, (rid, lines)
        line = lines[0]
        assert "user" in line and line["user"] == users[rid], line
        assert line["outcome"] == outcome and line["accepted"] == (outcome == "accepted"), line
        assert line["topic"] and line["timestamp"] and line["by"] == line["user"]
        assert line["level"] == ("info" if outcome == "accepted" else "warning")
        if outcome != "accepted":
            assert line["reason"], line
    assert len(commands) == len(expect)  # nothing else is logged as a command
    audit = read_audit(run / "audit.jsonl")
    for rid, outcome in expect.items():
        final = [r for r in audit if r["request_id"] == rid and r["outcome"] in ("accepted", "rejected", "refused")]
        assert [r["outcome"] for r in final] == [outcome] and final[0]["user"] == users[rid], (rid, final)
    # one event per trip transition, with the trip's value; the setpoint change; start and stop
    trips = [e for e in journal if e["event"] == "trip" and e["trip"] == TRIP]
    # (the 45 -> 90 degC step is faster than any thermowell: I8 calls it a spike, so the trip opens
    # on an invalid value, None, and clears on the valid 45 degC)
    assert [e["new"] for e in trips][:2] == ["active_unack", "cleared_unack"] and all("value" in e for e in trips)
    assert any(e["value"] == pytest.approx(45.0, abs=0.5) for e in trips)
    changes = [e for e in journal if e["event"] == "setpoints_changed"]
    assert any(e["changes"].get("dhw_setpoint_c") == [52.0, 50.0] for e in changes), changes
    assert [e["event"] for e in journal if e["event"] in ("start", "stop")] == ["start", "stop"]
    # nothing per scan: no event repeats anywhere near once per scan
    scans = next(e["scans"] for e in journal if e["event"] == "stop")
    counts: dict[str, int] = {}
    for e in journal:
        counts[e["event"]] = counts.get(e["event"], 0) + 1
    assert scans >= 60 and max(counts.values()) < scans / 4, (scans, counts)
