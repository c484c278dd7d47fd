"""Command line: ``thermiq run | sim | sweep | check-config | io | trips | ack | reset | safe-outputs``.

``thermiq sim`` and ``thermiq sweep`` are the one place where the ``thermiq`` command reaches into ``hardware_sim``
(lazily, at call time): the controller package itself never imports the simulator.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from thermiq.config.load import ConfigError, load_config
from thermiq.iomap.io_list import IoListError, load_io_list

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "thermiq" / "sites" / "asp1.toml"
OPERATOR_CONFIG = Path("/etc/thermiq/site.toml")  #: the installed site file the cabinet-shell commands read


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
    print(
        f"{args.config}: OK (site {cfg.site.name}, {len(cfg.miners)} miners, {len(io_list.points)} I/O points, {checked})"
    )
    return 0


def cmd_run(args) -> int:
    from thermiq.service.daemon import Refused, run
    from thermiq.service.logs import configure_journal_logging

    configure_journal_logging()
    cfg, io_list = _load(args)
    try:
        return run(cfg, io_list, args, REPO)
    except Refused as err:
        return _refused(args.config, err.problems)


def _paths(args, cfg):
    from thermiq.service.daemon import RuntimePaths

    return RuntimePaths.of(cfg, args.run_dir)


def cmd_safe_outputs(args) -> int:
    from thermiq.service.daemon import safe_outputs

    cfg, io_list = _load(args)
    names = safe_outputs(cfg, io_list, args.procimg, args.configrsc)
    print(f"safe outputs written ({len(names)} outputs off)")
    return 0


def cmd_trips(args) -> int:
    from thermiq.service.operator import trips_report

    cfg = load_config(args.config)
    paths = _paths(args, cfg)
    print("\n".join(trips_report(paths.status, paths.latches)))
    return 0


def cmd_command(args) -> int:
    from thermiq.service.spool import submit

    cfg = load_config(args.config)
    out = submit(_paths(args, cfg).spool, args.command, args.target, timeout_s=args.timeout)
    verdict = "accepted" if out["accepted"] else f"refused: {out['reason']}"
    print(f"{args.command} {args.target}: {verdict} (request {out['request_id']})")
    return 0 if out["accepted"] else 1


def cmd_io(args) -> int:
    if args.action == "live":
        from thermiq.service.operator import live_io

        cfg, io_list = _load(args)
        procimg = args.procimg or cfg.process_image.procimg
        configrsc = args.configrsc or (
            str(REPO / "Schaltschrank" / "config.rsc") if args.procimg else cfg.process_image.configrsc
        )
        print("\n".join(live_io(io_list, procimg, configrsc, _paths(args, cfg).status)))
        return 0
    from thermiq.iomap.pictory import build_rsc, dump_rsc

    io_list = load_io_list(_resolve(args.io_list or "Schaltschrank/io_list.csv"))
    text = dump_rsc(build_rsc(io_list))
    if args.action == "export-rsc":
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        for p in io_list.points:
            print(
                f"{p.tag:6} {p.signal:28} {p.module:5} {p.channel:5} {p.terminal:8} {p.signal_type:14} {p.description}"
            )
    return 0


def cmd_sim(args) -> int:
    from hardware_sim.cli import run_sim

    return run_sim(args)


def cmd_sweep(args) -> int:
    from hardware_sim.sweep import run_sweep_cli

    return run_sweep_cli(args)


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
    p.add_argument(
        "--field",
        choices=("protocol", "fake"),
        default="protocol",
        help="field devices: the real protocols from the site file (default), or in-process "
        "fakes (no inverter/miner data; miners stay off) for a bench run",
    )
    p.add_argument("--mqtt", metavar="HOST:PORT", help="a bench broker instead of [service.broker]")
    p.add_argument("--latches", help="latch file (default: [service].latches)")
    p.add_argument("--run-dir", help="laptop/test: latches, status, command spool and audit log under this folder")
    p.add_argument("--max-scans", type=int, help="stop after this many scans")
    p.set_defaults(func=cmd_run)

    def site_args(p, image=False):
        p.add_argument(
            "--config",
            default=str(OPERATOR_CONFIG if OPERATOR_CONFIG.exists() else DEFAULT_CONFIG),
            help=f"site file (default: {OPERATOR_CONFIG} where it exists, as in the cabinet)",
        )
        p.add_argument("--run-dir", help="the daemon's --run-dir, if it was given one")
        if image:
            p.add_argument("--procimg", help="process image (default: the config's)")
            p.add_argument("--configrsc", help="piCtory configuration (default: the config's)")

    p = sub.add_parser("io", help="live I/O values by name (default), or I/O list tools")
    p.add_argument("action", nargs="?", choices=("live", "list", "export-rsc"), default="live")
    p.add_argument("--io-list", default=None, help="list/export-rsc: the I/O list CSV")
    p.add_argument("--out", default="Schaltschrank/config.rsc")
    site_args(p, image=True)
    p.set_defaults(func=cmd_io)

    p = sub.add_parser("trips", help="latched trips, first-out and recent transitions of the running daemon")
    site_args(p)
    p.set_defaults(func=cmd_trips)

    for action in ("ack", "reset"):
        p = sub.add_parser(action, help=f"{action} a trip (or all) through the daemon's command path, audited")
        p.add_argument("target", help='trip id (e.g. I5_buffer_top_hh) or "all"')
        p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the outcome")
        site_args(p)
        p.set_defaults(func=cmd_command)

    p = sub.add_parser("safe-outputs", help="write the safe output image once (ExecStopPost)")
    site_args(p, image=True)
    p.set_defaults(func=cmd_safe_outputs)

    p = sub.add_parser("sim", help="closed-loop simulation on real weather, writes a report")
    p.add_argument("--config", default=str(DEFAULT_CONFIG))
    p.add_argument("--plant", help="plant parameters TOML (default: hardware_sim/asp1_plant.toml)")
    p.add_argument("--weather", help="PVGIS seriescalc CSV (default: the bundled year)")
    p.add_argument("--start", help="first day (UTC, YYYY-MM-DD; default: 10 January of the weather year)")
    p.add_argument("--days", type=float, help="simulated days (default 7)")
    p.add_argument("--year", action="store_true", help="simulate the whole weather file (instead of --start/--days)")
    p.add_argument("--period", type=float, default=10.0, help="scan period [s]")
    p.add_argument("--out", default="report", help="report folder")
    p.add_argument("--mqtt", metavar="HOST:PORT", help="also publish the state as retained topics")
    p.add_argument("--quiet", action="store_true")
    p.add_argument(
        "--compare",
        metavar="VARIANT",
        action="append",
        help="also run this configuration and compare (repeatable): no-miners | site .toml | key=value[,...]",
    )
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser("sweep", help="one configuration key over a list of values, runs in parallel (local or Dask)")
    p.add_argument(
        "--key", required=True, help="dotted key: site key, plant.<section>.<key>, or site (a TOML per value)"
    )
    p.add_argument("--values", required=True, help="comma-separated values (TOML literals)")
    for opt in ("--config", "--plant", "--weather", "--start"):
        p.add_argument(opt, default=str(DEFAULT_CONFIG) if opt == "--config" else None)
    p.add_argument("--days", type=float, help="simulated days (default 7)")
    p.add_argument("--year", action="store_true", help="the whole weather file")
    p.add_argument("--period", type=float, default=10.0, help="scan period [s]")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786); default: local cores")
    p.add_argument("--workers", type=int, help="local processes (default: all cores)")
    p.add_argument("--out", default="report/sweep")
    p.set_defaults(func=cmd_sweep)
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
    except (FileNotFoundError, TimeoutError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
