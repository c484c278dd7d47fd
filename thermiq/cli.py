"""Command line: ``thermiq run | sim | check-config | io``.

``thermiq sim`` is the one place where the ``thermiq`` command reaches into ``hardware_sim``
(lazily, at call time): the controller package itself never imports the simulator.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from thermiq.config.load import ConfigError, load_config
from thermiq.iomap.io_list import IoListError, load_io_list

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "thermiq" / "sites" / "asp1.toml"


def _resolve(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() or p.exists() else REPO / p


def _load(args) -> tuple:
    cfg = load_config(args.config)
    io_list = load_io_list(_resolve(cfg.process_image.io_list))
    return cfg, io_list


def _refused(config: str, problems: list[str]) -> int:
    """Print the load-time proof's problems (one line each) and return the exit code 2."""
    print(f"{config}: refused, {len(problems)} signal problem(s):", file=sys.stderr)
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    return 2


def cmd_check_config(args) -> int:
    cfg, io_list = _load(args)
    from thermiq.cycle.proof import prove_files
    from thermiq.interlocks.evaluate import compile_table
    compile_table(cfg)
    rsc = args.configrsc or (cfg.process_image.configrsc if Path(cfg.process_image.configrsc).exists() else None)
    problems = prove_files(cfg, io_list, rsc)
    if problems:
        return _refused(args.config, problems)
    if args.configrsc:
        from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
        img = make_procimg_file(Path(args.procimg or "/tmp/thermiq-check.img"))
        RevPiProcessImage(io_list, str(img), args.configrsc).close()
    checked = f"piCtory {rsc}" if rsc else "piCtory not checked (no file; give --configrsc)"
    print(f"{args.config}: OK (site {cfg.site.name}, {len(cfg.miners)} miners, {len(io_list.points)} I/O points, {checked})")
    return 0


def cmd_run(args) -> int:
    import structlog

    from thermiq.adapters.fakes import RecordingMiner, StaticInverter, StaticMeters
    from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
    from thermiq.clock import SystemClock
    from thermiq.cycle.latches import LatchStore
    from thermiq.cycle.runner import Runner

    cfg, io_list = _load(args)
    clock = SystemClock()   # the one clock of image, field devices, bridge and runner
    procimg = args.procimg or cfg.process_image.procimg
    # on a laptop (file-backed image) the cabinet's own piCtory file in the repository is the default
    configrsc = args.configrsc or (str(REPO / "Schaltschrank" / "config.rsc") if args.procimg
                                   else cfg.process_image.configrsc)
    from thermiq.cycle.proof import prove_files
    problems = prove_files(cfg, io_list, configrsc)   # load-time proof: nothing runs on a bad config
    if problems:
        return _refused(args.config, problems)
    if args.procimg:
        make_procimg_file(procimg, configrsc)
    image = RevPiProcessImage(io_list, procimg, configrsc, cfg.process_image.output_watchdog_ms, clock)
    if args.field == "protocol":
        from thermiq.adapters.field import build_field_devices
        field = build_field_devices(cfg, clock)
        inverter, meters, miners = field.inverter, field.meters, field.miners
    else:
        inverter, meters, miners = StaticInverter(), StaticMeters(), {m.name: RecordingMiner() for m in cfg.miners}
    bridge = None
    if args.mqtt:
        from thermiq.adapters.mqtt.factory import build_bridge
        bridge = build_bridge(cfg, args.mqtt, clock, latches_path=args.latches)
    from thermiq.cycle.watchdog import Notifier
    runner = Runner(cfg, io_list, image, inverter, meters, miners, clock=clock, bridge=bridge,
                    latch_store=LatchStore(args.latches) if args.latches else None, notifier=Notifier())
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    structlog.get_logger("thermiq").info("run", procimg=procimg, configrsc=configrsc, period_s=cfg.scan.period_s)
    try:
        if bridge is not None:
            bridge.start()
        runner.run(stop, max_scans=args.max_scans)
    finally:
        if bridge is not None:
            bridge.stop()
        image.close()
    return 0


def cmd_io(args) -> int:
    from thermiq.iomap.pictory import build_rsc, dump_rsc
    io_list = load_io_list(_resolve(args.io_list))
    text = dump_rsc(build_rsc(io_list))
    if args.action == "export-rsc":
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        for p in io_list.points:
            print(f"{p.tag:6} {p.signal:28} {p.module:5} {p.channel:5} {p.terminal:8} {p.signal_type:14} {p.description}")
    return 0


def cmd_sim(args) -> int:
    from hardware_sim.cli import run_sim
    return run_sim(args)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="thermiq", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check-config", help="validate a site configuration (and optionally a piCtory file)")
    p.add_argument("--config", default=str(DEFAULT_CONFIG))
    p.add_argument("--configrsc", help="also bind the I/O list to this piCtory file")
    p.add_argument("--procimg", help="image file for the binding check (default: a temporary one)")
    p.set_defaults(func=cmd_check_config)

    p = sub.add_parser("run", help="run the controller in real time")
    p.add_argument("--config", default=str(DEFAULT_CONFIG))
    p.add_argument("--procimg", help="file-backed process image (laptop); default: the config's (/dev/piControl0)")
    p.add_argument("--configrsc", help="piCtory configuration (default: the config's)")
    p.add_argument("--field", choices=("none", "protocol"), default="none",
                   help="field devices: none (no inverter/miner data; miners stay off) or the real protocols")
    p.add_argument("--mqtt", metavar="HOST:PORT", help="publish state and take commands over MQTT")
    p.add_argument("--latches", help="latch file (persisted trips)")
    p.add_argument("--max-scans", type=int, help="stop after this many scans")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("io", help="I/O list tools")
    p.add_argument("action", choices=("list", "export-rsc"))
    p.add_argument("--io-list", default="Schaltschrank/io_list.csv")
    p.add_argument("--out", default="Schaltschrank/config.rsc")
    p.set_defaults(func=cmd_io)

    p = sub.add_parser("sim", help="closed-loop simulation on real weather, writes a report")
    p.add_argument("--config", default=str(DEFAULT_CONFIG))
    p.add_argument("--plant", help="plant parameters TOML (default: hardware_sim/asp1_plant.toml)")
    p.add_argument("--weather", help="PVGIS seriescalc CSV (default: the bundled year)")
    p.add_argument("--start", help="first day (UTC, YYYY-MM-DD; default: 10 January of the weather year)")
    p.add_argument("--days", type=float, default=7.0)
    p.add_argument("--period", type=float, default=10.0, help="scan period [s]")
    p.add_argument("--out", default="report", help="report folder")
    p.add_argument("--mqtt", metavar="HOST:PORT", help="also publish the state as retained topics")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_sim)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, IoListError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except LookupError as err:  # IoBindingError
        print(f"error: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
