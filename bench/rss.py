"""Memory of the daemon over 24 simulated hours: RSS per simulated hour and its growth per day.

Assembles the daemon exactly as ``thermiq run --field fake`` does (thermiq.service.daemon.build:
runner, file-backed process image, latches, status file, command spool, audit log, metrics, and
the MQTT bridge on a real Mosquitto when one is installed) and drives it with a fake clock at the
site's scan period, as fast as the machine allows: 172,800 scans per simulated day at 0.5 s.
The plant side writes slowly varying healthy inputs, the fake inverter follows a PV day curve so
the miners start, run and stop, and every simulated hour one local ``ack all`` goes through the
spool and one setpoint command through MQTT.

    .venv/bin/python bench/rss.py [--hours 24] [--warmup-hours 24] [--no-mqtt]

Prints RSS [MB] per simulated hour: first a warm-up (default one whole simulated day, so every
code path of night, sunrise, mining and sunset has run once; negative hours), then the measured
hours; the growth over the measured hours is scaled to one simulated day. Done when (issue 9):
growth < 1 MB per simulated day.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hardware_sim.process_image import PlantProcessImage  # noqa: E402
from thermiq.cli import DEFAULT_CONFIG  # noqa: E402
from thermiq.clock import FakeClock  # noqa: E402
from thermiq.config.load import load_config  # noqa: E402
from thermiq.cycle.image import InverterSnapshot, MinerSnapshot, MinerState  # noqa: E402
from thermiq.iomap.io_list import load_io_list  # noqa: E402
from thermiq.service.daemon import build  # noqa: E402
from thermiq.service.logs import configure_journal_logging  # noqa: E402
from thermiq.service.spool import drop  # noqa: E402

T0 = 1.7e9
RSC = REPO / "Schaltschrank" / "config.rsc"


def rss_mb() -> float:
    """Resident set size of this process [MB] (VmRSS of /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


def inputs(io_list, t: float) -> dict:
    """Healthy, slowly varying sensor values (no trip limit reached)."""
    day = 2 * math.pi * t / 86400.0
    vals = {p.signal: 45.0 + 3.0 * math.sin(day + i) for i, p in enumerate(io_list.analog_inputs)}
    vals.update(
        outdoor_temp_c=2.0 + 4.0 * math.sin(day),
        room_temp_c=20.5,
        dhw_temp_c=50.0,
        miner_loop_supply_temp_c=40.0 + 2.0 * math.sin(day),
        miner_loop_return_temp_c=35.0,
        heating_flow_temp_c=40.0,
    )
    vals.update({p.signal: True for p in io_list.inputs if p.kind == "di"})
    vals.update(manual_mode=False, rv1_at_dhw=False, rv2_at_dhw=False)
    return vals


RAN = {"scans": 0}  # scans in which at least one miner was told to run


def field(parts, t: float) -> None:
    """Fake inverter on a PV day curve; fake miners report what they were last told."""
    h = (t / 3600.0) % 24.0
    pv = max(0.0, 11000.0 * math.sin(math.pi * (h - 6.0) / 12.0)) if 6.0 < h < 18.0 else 0.0
    miners_w = 0.0
    for m in parts.runner.miners.values():
        last = m.commands[-1] if m.commands else None
        power = last.power_target_w if last is not None and last.run and last.power_target_w else 0.0
        miners_w += power
        m.snap = MinerSnapshot(
            t,
            True,
            MinerState.MINING if power else MinerState.PAUSED,
            power,
            power or None,
            None,
            (40.0, 41.0, 42.0),
            60.0 if power else 30.0,
            1700.0,
            3600.0,
        )
    RAN["scans"] += miners_w > 0.0
    load = 600.0 + miners_w
    parts.runner.inverter.set(
        InverterSnapshot(t, pv, 95.0, 0.0, load - pv, load, {"battery_voltage_v": 53.0, "inverter_temp_c": 35.0})
    )


def mqtt_setpoint(port: int, value: float, wall_s: float) -> None:
    from paho.mqtt import publish

    body = {"request_id": uuid.uuid4().hex, "issued_at": wall_s, "value": value}
    publish.single(
        "thermiq/asp1/setpoints/dhw_setpoint_c/set", json.dumps(body), qos=1, hostname="127.0.0.1", port=port
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=24.0, help="simulated hours measured")
    ap.add_argument(
        "--warmup-hours",
        type=float,
        default=24.0,
        help="simulated hours run first (every code path and cache of a whole day warmed up)",
    )
    ap.add_argument("--start-hour", type=float, default=0.0, help="simulated hour of day to start at")
    ap.add_argument("--no-mqtt", action="store_true", help="without the bridge (no Mosquitto needed)")
    a = ap.parse_args()
    configure_journal_logging(open(os.devnull, "w"))  # the daemon's logging, output discarded
    cfg = load_config(DEFAULT_CONFIG)
    io_list = load_io_list(REPO / cfg.process_image.io_list)
    period = cfg.scan.period_s
    broker = None
    if not a.no_mqtt and shutil.which("mosquitto"):
        from tests.mqtt.testbroker import Mosquitto

        broker = Mosquitto().start()
    with tempfile.TemporaryDirectory() as tmp:
        args = argparse.Namespace(
            config=str(DEFAULT_CONFIG),
            field="fake",
            procimg=f"{tmp}/pi.img",
            configrsc=None,
            run_dir=f"{tmp}/run",
            latches=None,
            max_scans=None,
            mqtt=f"127.0.0.1:{broker.port}" if broker else None,
        )
        clock = FakeClock(a.start_hour * 3600.0, T0 + a.start_hour * 3600.0)
        parts = build(cfg, io_list, args, REPO, clock=clock)
        plant = PlantProcessImage(io_list, parts.procimg, str(RSC))
        if parts.bridge is not None:
            parts.bridge.start()
            parts.bridge.wait_connected(10)
        scans_per_hour = int(round(3600.0 / period))
        hours = int(a.hours)
        warm = int(a.warmup_hours)
        print(
            f"site period {period:g} s: {scans_per_hour} scans per simulated hour, {hours} h, "
            f"MQTT {'on' if broker else 'off'}"
        )
        print(f"{'hour':>4} {'scans':>9} {'rss_mb':>8} {'wall_s':>7}")
        started, rows = time.monotonic(), []
        try:
            for hour in range(-warm, hours + 1):
                if hour > -warm:
                    for i in range(scans_per_hour):
                        clock.advance(period)
                        if i % 2 == 0:  # piControl refreshes the image; every 1 s is fresh enough
                            plant.write_inputs(inputs(io_list, clock.monotonic()))
                        field(parts, clock.monotonic())
                        parts.runner.scan_once()
                    drop(parts.paths.spool, "ack", "all", "bench", issued_at=clock.wall())
                    if broker:
                        mqtt_setpoint(broker.port, 50.0 + hour % 3, clock.wall())
                gc.collect()
                rows.append((hour, parts.runner.stats.scans, rss_mb()))
                print(f"{hour:4d} {rows[-1][1]:9d} {rows[-1][2]:8.2f} {time.monotonic() - started:7.0f}", flush=True)
            r = parts.runner
            print(
                f"miner commands received: {[m.count for m in r.miners.values()]}; scans with a miner "
                f"running: {RAN['scans']}; latched trips: {list(r.state.interlocks.latched)}; "
                f"MQTT published: {parts.bridge.stats['published'] if parts.bridge else 0}"
            )
        finally:
            parts.runner.write_safe_outputs()
            parts.close()
            plant.close()
            if broker:
                broker.close()
    start = next(r for r in rows if r[0] == 0)
    print(
        f"RSS at start {rows[0][2]:.2f} MB; after the {warm} h warm-up {start[2]:.2f} MB "
        f"(growth {start[2] - rows[0][2]:+.2f} MB)"
    )
    if hours >= 1:
        growth = (rows[-1][2] - start[2]) * 24.0 / hours
        print(
            f"RSS after {hours} more simulated hours: {rows[-1][2]:.2f} MB; growth {rows[-1][2] - start[2]:+.2f} MB "
            f"= {growth:+.2f} MB per simulated day (done when < 1 MB/day: {'yes' if growth < 1.0 else 'NO'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
