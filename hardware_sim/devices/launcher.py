"""Run the simulated field devices as their own process (hardware-in-the-loop tier).

``python -m hardware_sim.devices --tcp-port 5020 --rtu-pty auto --grpc-ports 50051,50052``

Serves the Modbus devices (meters + Deye) over Modbus TCP on 127.0.0.1 and/or RTU on a
serial port (``auto``: a fresh socat pty pair; the master end is reported), and one
simulated Braiins OS miner per gRPC port. Control is JSON lines on stdin, answers are JSON
lines on stdout (the first one reports the ports)::

    {"update": {"house.power_w": 1200.0, "inverter.pv_power_w": 4000.0}}
    {"fault": {"device": "house", "mode": "silent"}}         # mode null = healthy
    {"miner_fault": {"miner": 0, "mode": "hang"}}
    {"set_measured_power": {"miner": 0, "power_w": 1500.0}}  # null = follow the ramp
    {"miner_state": null}                                     # -> {"miners": [...]}
    {"expire_tokens": null}
    {"quit": null}

Every request gets one reply line: ``{"ok": true, ...}`` or ``{"ok": false, "error": "…"}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from hardware_sim.devices.braiins_sim import BraiinsSim
from hardware_sim.devices.modbus_sim import ModbusDeviceSim, SimMeterSpec
from hardware_sim.devices.pty_pair import PtyPair

DEFAULT_METERS = "miners:eastron_sdm630:2,heat_pump:eastron_sdm72d_m:3,house:carlo_gavazzi_em24:4"


def parse_meters(text: str) -> list[SimMeterSpec]:
    """``name:model:unit,…`` → specs.

    Raises
    ------
    ValueError
        Naming the malformed entry.
    """
    specs = []
    for item in filter(None, text.split(",")):
        parts = item.split(":")
        if len(parts) != 3 or not parts[2].isdigit():
            raise ValueError(f"meter {item!r} must be name:model:unit_id")
        specs.append(SimMeterSpec(parts[0], parts[1], int(parts[2])))
    return specs


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m hardware_sim.devices", description=__doc__.splitlines()[0])
    ap.add_argument("--tcp-port", type=int, help="Modbus TCP port on 127.0.0.1")
    ap.add_argument("--rtu-pty", help="serial port the RTU slaves listen on, or 'auto' for a socat pty pair")
    ap.add_argument("--grpc-ports", default="", help="comma-separated gRPC ports, one simulated miner each (0: any)")
    ap.add_argument("--meters", default=DEFAULT_METERS, help="name:model:unit_id,…")
    ap.add_argument("--inverter", default="single-phase", help="sunsynk definitions of the Deye, or 'none'")
    ap.add_argument("--invert-ct", action="store_true", help="the Deye's CT counts the wrong way round")
    ap.add_argument("--miner-password", default="root")
    ap.add_argument("--miner-ramp-w-per-s", type=float, default=25.0)
    ap.add_argument("--miner-min-w", type=float, default=1700.0)
    ap.add_argument("--miner-max-w", type=float, default=3600.0)
    return ap


class Devices:
    """The running simulated devices of one process."""

    def __init__(self, args: argparse.Namespace) -> None:
        meters = parse_meters(args.meters)
        if args.tcp_port is None and not args.rtu_pty and not args.grpc_ports:
            raise ValueError("nothing to serve: give --tcp-port, --rtu-pty and/or --grpc-ports")
        self.pty: PtyPair | None = None
        self.modbus: ModbusDeviceSim | None = None
        self.miners: list[BraiinsSim] = []
        serial = args.rtu_pty
        if serial == "auto":
            self.pty = PtyPair()
            serial = self.pty.device_port
        if args.tcp_port is not None or serial:
            kind = None if args.inverter == "none" else args.inverter
            self.modbus = ModbusDeviceSim(meters, kind, invert_ct=args.invert_ct)
            self.modbus.start(tcp_port=args.tcp_port, serial_port=serial)
        for port in filter(None, args.grpc_ports.split(",")):
            sim = BraiinsSim(
                int(port),
                password=args.miner_password,
                ramp_w_per_s=args.miner_ramp_w_per_s,
                power_min_w=args.miner_min_w,
                power_max_w=args.miner_max_w,
                power_default_w=min(3250.0, args.miner_max_w),
            )
            self.miners.append(sim.start())
        self.ready = {
            "ready": True,
            "tcp_port": args.tcp_port,
            "rtu_master_port": self.pty.master_port if self.pty else None,
            "rtu_device_port": serial,
            "grpc_ports": [m.port for m in self.miners],
            "modbus_devices": self.modbus.devices if self.modbus else {},
        }

    def handle(self, request: dict) -> dict:
        """Apply one control request; returns the reply (errors are replies, not exceptions)."""
        if not isinstance(request, dict) or len(request) != 1:
            return {"ok": False, "error": "a request is one JSON object with one key"}
        ((key, arg),) = request.items()
        try:
            if key == "update":
                self._need_modbus().update(arg)
            elif key == "fault":
                self._need_modbus().set_fault(arg["device"], arg.get("mode"))
            elif key == "miner_fault":
                self._miner(arg["miner"]).set_fault(arg.get("mode"), float(arg.get("delay_s", 1.0)))
            elif key == "set_measured_power":
                self._miner(arg["miner"]).set_measured_power(arg.get("power_w"))
            elif key == "miner_state":
                return {"ok": True, "miners": [m.miner_state() for m in self.miners]}
            elif key == "expire_tokens":
                for m in self.miners:
                    m.expire_tokens()
            elif key == "quit":
                return {"ok": True, "quit": True}
            else:
                return {"ok": False, "error": f"unknown request {key!r}"}
        except (ValueError, KeyError, TypeError, IndexError) as err:
            return {"ok": False, "error": f"{key}: {type(err).__name__}: {err}"}
        return {"ok": True}

    def _need_modbus(self) -> ModbusDeviceSim:
        if self.modbus is None:
            raise ValueError("no Modbus devices in this process")
        return self.modbus

    def _miner(self, index) -> BraiinsSim:
        return self.miners[int(index)]

    def close(self) -> None:
        for m in self.miners:
            m.stop()
        if self.modbus is not None:
            self.modbus.stop()
        if self.pty is not None:
            self.pty.close()


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad arguments)."""
    args = build_parser().parse_args(argv)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # a silenced unit is the point, not an error
    try:
        devices = Devices(args)
    except (OSError, RuntimeError, ValueError) as err:
        sys.stderr.write(f"cannot start simulated devices: {err}\n")
        return 2
    stop = threading.Event()

    def on_term(*_):
        stop.set()
        raise SystemExit(0)  # also interrupts a blocking read of stdin

    signal.signal(signal.SIGTERM, on_term)
    try:
        _emit(devices.ready)
        for line in sys.stdin:
            if stop.is_set() or not line.strip():
                continue
            try:
                reply = devices.handle(json.loads(line))
            except json.JSONDecodeError as err:
                reply = {"ok": False, "error": f"not JSON: {err}"}
            _emit(reply)
            if reply.get("quit"):
                break
        else:
            stop.wait()  # stdin closed: keep serving until SIGTERM
    finally:
        devices.close()
    return 0
