"""Hardware-in-the-loop plant: the plant model behind the protocol devices, for ``thermiq run``.

``python -m hardware_sim.devices.hil_plant --procimg img.bin --speed 10 --sim-duration 600``

Three processes, as in the cabinet: this plant process, the simulated devices it starts as
its child (``python -m hardware_sim.devices``: Modbus RTU on a socat pty pair, Braiins OS
miners over gRPC) and the controller (``thermiq run --field protocol``), which shares only
the file-backed process image, the serial line and the gRPC ports with them.

Every step (``--period`` real seconds = ``--period`` x ``--speed`` plant seconds) the plant
writes its sensors into the image, reads the outputs, takes each miner's run/pause state and
power target from the simulated Braiins OS miner, steps, and writes back what the devices
report: the miners' measured power, the Deye's PV/grid/battery values and the meters.
The first stdout line is the devices' ready line (ports); then one JSON line per step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from hardware_sim.devices.inverter_feed import inverter_signals
from hardware_sim.harness import site_io
from hardware_sim.loop.driver import PlantDriver
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.electrical import battery_capacity_j
from hardware_sim.plant.params import load_plant_params
from hardware_sim.plant.state import initial_state
from hardware_sim.plant.views import inverter_view
from hardware_sim.process_image import PlantProcessImage
from thermiq.adapters.revpi.process_image import make_procimg_file
from thermiq.config.load import load_config

REPO = Path(__file__).resolve().parents[2]
J_PER_KWH = 3.6e6


class DevicesChild:
    """The simulated devices process, steered over its stdin."""

    def __init__(self, extra: list[str]) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-m", "hardware_sim.devices", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("simulated devices did not start")
        self.ready = json.loads(line)

    def ask(self, request: dict) -> dict:
        self.p.stdin.write(json.dumps(request) + "\n")
        self.p.stdin.flush()
        reply = json.loads(self.p.stdout.readline())
        if not reply.get("ok"):
            raise RuntimeError(f"devices refused {request}: {reply.get('error')}")
        return reply

    def close(self) -> None:
        self.p.terminate()
        self.p.wait(10)


class ProtocolDevices:
    """Field devices of the closed-loop driver behind the simulated protocol devices: each miner's
    run/pause state and target in force come from its simulated Braiins OS (which the controller
    commands over gRPC through the cabinet's policy); the plant's results go back to them."""

    def __init__(self, child: DevicesChild):
        self.child = child
        self.energy_j = {"miners": 0.0, "heat_pump": 0.0, "house": 0.0}
        self.last_miners: list[dict] = []
        self.view: dict = {}

    def commands(self):
        self.last_miners = self.child.ask({"miner_state": None})["miners"]
        return (tuple(not m["paused"] for m in self.last_miners), tuple(m["power_target_w"] for m in self.last_miners))

    def update(self, state, flows, params, dt_s, now_s) -> None:
        for i, p in enumerate(flows.miner_power_w):
            self.child.ask({"set_measured_power": {"miner": i, "power_w": max(0.0, p)}})
        meter_w = {"miners": sum(flows.miner_power_w), "heat_pump": flows.hp_power_w, "house": flows.load_power_w}
        values = {}
        for name, p in meter_w.items():
            self.energy_j[name] += max(0.0, p) * dt_s
            values[f"{name}.power_w"] = p
            values[f"{name}.import_energy_kwh"] = self.energy_j[name] / J_PER_KWH
        view = inverter_view(state, flows, params)
        values.update({f"inverter.{k}": v for k, v in inverter_signals(view).items()})  # the signal contract
        self.child.ask({"update": values})
        self.view = view


def _start_utc_s(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m hardware_sim.devices.hil_plant", description=__doc__.splitlines()[0])
    ap.add_argument("--procimg", required=True, help="file-backed process image shared with `thermiq run`")
    ap.add_argument("--period", type=float, default=0.2, help="real seconds per plant step")
    ap.add_argument("--speed", type=float, default=1.0, help="plant seconds per real second")
    ap.add_argument("--sim-duration", type=float, default=600.0, help="plant seconds to run")
    ap.add_argument("--start", default="2009-06-21T10:00", help="plant start (UTC, within the weather year)")
    ap.add_argument("--battery-soc-pct", type=float, default=50.0, help="initial battery state of charge")
    ap.add_argument("--trip-at", type=float, help="plant second from which buffer top reads 90 °C (a trip)")
    ap.add_argument("--grpc-ports", default="0,0")
    ap.add_argument(
        "--config",
        default=str(REPO / "thermiq" / "sites" / "asp1.toml"),
        help="site configuration (binds the plant to its signals)",
    )
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run the plant until ``--sim-duration``; returns the exit code."""
    args = build_parser().parse_args(argv)
    params = load_plant_params()
    cfg = load_config(args.config)
    boundary = BoundarySeries.from_files(params)
    io_list, rsc = site_io(cfg, Path(args.procimg).resolve().parent)
    rsc = str(rsc)
    make_procimg_file(args.procimg, rsc)
    image = PlantProcessImage(io_list, args.procimg, rsc)
    t_utc = _start_utc_s(args.start)
    if not boundary.start_s <= t_utc <= boundary.end_s - args.sim_duration:
        sys.stderr.write(f"--start {args.start} (+ {args.sim_duration} s) lies outside the weather year\n")
        return 2
    state = initial_state(params, boundary.at(t_utc).outdoor_temp_c, t_utc, len(cfg.miners))
    state = replace(state, battery_energy_j=args.battery_soc_pct / 100.0 * battery_capacity_j(params.electrical))
    ramp = str(params.miners.nominal_power_w * args.speed)  # the device ramps are not used: the plant rules
    child = DevicesChild(["--rtu-pty", "auto", "--grpc-ports", args.grpc_ports, "--miner-ramp-w-per-s", ramp])
    devices = ProtocolDevices(child)
    driver = PlantDriver(cfg, params, boundary, state, image, devices)
    trip_signal = cfg.buffer.top_temp_signal
    sys.stdout.write(json.dumps(child.ready) + "\n")
    sys.stdout.flush()
    dt_plant = args.period * args.speed
    next_t = time.monotonic()
    try:
        while driver.now_s < args.sim_duration:
            forced = args.trip_at is not None and driver.now_s >= args.trip_at
            driver.sense(forced={trip_signal: 90.0} if forced else None)
            flows = driver.advance(dt_plant)
            act, view, miners = driver.last_act, devices.view, devices.last_miners
            sys.stdout.write(
                json.dumps(
                    {
                        "t_sim_s": driver.now_s,
                        "pv_w": flows.pv_power_w,
                        "grid_w": view["grid_power_w"],
                        "soc_pct": view["battery_soc_pct"],
                        "trip_forced": forced,
                        "contactor": act.contactor,
                        "miner_run": act.miner_run,
                        "miner_target_w": act.miner_target_w,
                        "miner_power_w": flows.miner_power_w,
                        "pause_calls": [m["calls"].get("PauseMining", 0) for m in miners],
                        "set_target_calls": [m["calls"].get("SetPowerTarget", 0) for m in miners],
                    }
                )
                + "\n"
            )
            sys.stdout.flush()
            next_t += args.period
            time.sleep(max(0.0, next_t - time.monotonic()))
    finally:
        child.close()
        image.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
