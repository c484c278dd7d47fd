"""``thermiq run``: build the whole controller from the site file and scan until SIGTERM.

The site file is the whole configuration (``[process_image]``, ``[fieldbus]``, ``[[miners]]``,
``[service]``); the unit's ``ExecStart`` is ``thermiq run --config /etc/thermiq/site.toml``.
The real field devices are the default; in-process fakes run only with ``--field fake``. Before
anything is opened :func:`missing_parts` lists what the site needs but was not given, and ``run``
refuses to start with that one line.

Laptop and test runs: ``--procimg FILE`` (a 4096-byte image file), ``--mqtt HOST:PORT`` (a bench
broker), ``--run-dir DIR`` (latches, status file, command spool and audit log under DIR; with
``--procimg`` and no ``--run-dir`` they go to ``FILE.run/``).
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import structlog

from thermiq.config.schema import ThermiqConfig

log = structlog.get_logger("thermiq.daemon")


@dataclass(frozen=True)
class RuntimePaths:
    """Where the daemon keeps its files (from ``[service]``, or under ``--run-dir``)."""

    latches: Path
    status: Path
    spool: Path
    audit: Path

    @classmethod
    def of(cls, cfg: ThermiqConfig, run_dir: str | None = None, latches: str | None = None) -> RuntimePaths:
        s = cfg.service
        if run_dir:
            d = Path(run_dir)
            paths = cls(d / "latches.json", d / "status.json", d / "commands", d / "audit.jsonl")
        else:
            paths = cls(Path(s.latches), Path(s.status_file), Path(s.command_spool), Path(s.audit.path))
        return cls(Path(latches), paths.status, paths.spool, paths.audit) if latches else paths


def missing_parts(cfg: ThermiqConfig, field: str, mqtt: str | None) -> list[str]:
    """What the site needs for a real run but was not given (empty: ready to start).

    ``field`` is ``"protocol"`` (the real devices) or ``"fake"`` (nothing is required then).
    """
    if field == "fake":
        return []
    out = []
    b = cfg.service.broker
    if b is None and mqtt is None:
        out.append("[service.broker] (the MQTT broker: host, port, username, password_file)")
    if b is not None and mqtt is None:
        if b.password_file and not os.access(b.password_file, os.R_OK):
            out.append(f"the broker password file {b.password_file} ([service.broker].password_file)")
        if b.tls_ca_file and not os.access(b.tls_ca_file, os.R_OK):
            out.append(f"the broker CA file {b.tls_ca_file} ([service.broker].tls_ca_file)")
    fb = cfg.fieldbus
    if fb.inverter is None:
        out.append("[fieldbus.inverter] (the miners run on the PV surplus the Deye reports)")
    if fb.rs485.port.startswith("/") and not os.path.exists(fb.rs485.port):
        out.append(f"the RS485 port {fb.rs485.port} ([fieldbus.rs485].port)")
    return out


class Refused(ValueError):
    """The load-time proof refused the configuration (``problems``: one line each)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _field_devices(cfg: ThermiqConfig, field: str, clock):
    if field == "protocol":
        from thermiq.adapters.field import build_field_devices

        devs = build_field_devices(cfg, clock)
        return devs.inverter, devs.meters, devs.miners, devs.close
    from thermiq.adapters.fakes import RecordingMiner, StaticInverter, StaticMeters

    return StaticInverter(), StaticMeters(), {m.name: RecordingMiner() for m in cfg.miners}, lambda: None


@dataclass
class Parts:
    """The assembled daemon: the runner and what must be started and closed around it."""

    runner: object
    bridge: object | None
    metrics: object
    audit: object
    image: object
    paths: RuntimePaths
    procimg: str
    configrsc: str
    close_field: object

    def close(self) -> None:
        """Stop the bridge, the field devices and the metrics server; close the image and audit log."""
        if self.bridge is not None:
            self.bridge.stop()
        self.close_field()
        self.metrics.close()
        self.image.close()
        self.audit.close()


def build(cfg: ThermiqConfig, io_list, args, repo: Path, clock=None, notifier=None) -> Parts:
    """Assemble the daemon of ``thermiq run`` (``args``: its parsed options) without starting it.

    ``clock``: the one :class:`thermiq.clock.Clock` of image, field devices, bridge, spool and
    runner (default :class:`SystemClock`; a :class:`FakeClock` in bench/rss.py).

    Raises
    ------
    ValueError : the site lacks something it needs (one line naming every missing part).
    Refused : the load-time proof found signal problems (:func:`thermiq.cycle.proof.prove_files`).
    """
    from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
    from thermiq.clock import SystemClock
    from thermiq.cycle.latches import LatchStore
    from thermiq.cycle.proof import prove_files
    from thermiq.cycle.runner import Runner
    from thermiq.service.audit import AuditLog
    from thermiq.service.metrics import ScanMetrics
    from thermiq.service.spool import CommandSpool
    from thermiq.service.status_file import StatusFile

    procimg = args.procimg or cfg.process_image.procimg
    configrsc = args.configrsc or (
        str(repo / "Schaltschrank" / "config.rsc") if args.procimg else cfg.process_image.configrsc
    )
    problems = prove_files(cfg, io_list, configrsc)  # load-time proof: nothing runs on a bad config
    if problems:
        raise Refused(problems)
    missing = missing_parts(cfg, args.field, args.mqtt)
    if missing:
        raise ValueError(f"{args.config}: thermiq run needs {'; '.join(missing)} (or --field fake for a bench run)")
    clock = clock or SystemClock()
    if args.procimg:
        make_procimg_file(procimg, configrsc)
    paths = RuntimePaths.of(cfg, args.run_dir or (f"{args.procimg}.run" if args.procimg else None), args.latches)
    audit = AuditLog(paths.audit, cfg.service.audit.max_bytes, cfg.service.audit.backups)
    image = RevPiProcessImage(io_list, procimg, configrsc, cfg.process_image.output_watchdog_ms, clock)
    inverter, meters, miners, close_field = _field_devices(cfg, args.field, clock)
    bridge = None
    if cfg.service.broker is not None and args.field != "fake" or args.mqtt:
        from thermiq.adapters.mqtt.factory import build_bridge

        bridge = build_bridge(cfg, args.mqtt, clock, audit=audit, latches_path=paths.latches)
    metrics = ScanMetrics(cfg.scan.period_s)
    status = StatusFile(paths.status, cfg.service.status_every_s, cfg.service.trip_history)
    spool = CommandSpool(paths.spool, audit, clock)

    def note_users(runner, img, res, cost_s):
        for rid, user in runner.last_users.items():
            audit.note_user(rid, user)

    runner = Runner(
        cfg,
        io_list,
        image,
        inverter,
        meters,
        miners,
        clock=clock,
        bridge=bridge,
        latch_store=LatchStore(paths.latches),
        notifier=notifier,
        observers=(note_users, metrics.observe, status.observe, spool.observe),
    )
    return Parts(runner, bridge, metrics, audit, image, paths, procimg, configrsc, close_field)


def run(cfg: ThermiqConfig, io_list, args, repo: Path) -> int:
    """Start everything, scan until SIGTERM/SIGINT (or ``--max-scans``), stop in order.

    Raises
    ------
    ValueError : the site lacks something it needs (one line naming every missing part).
    """
    from thermiq.cycle.watchdog import Notifier

    parts = build(cfg, io_list, args, repo, notifier=Notifier())
    runner, bridge = parts.runner, parts.bridge
    stop = threading.Event()
    reason = {"why": "max scans"}

    def on_signal(signum, _frame):
        reason["why"] = signal.Signals(signum).name
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    m = cfg.service.metrics
    if m.port:
        try:
            port = parts.metrics.serve(m.address, m.port)
            log.info("metrics_serving", address=m.address, port=port)
        except OSError as err:  # metrics are not safety-relevant: scan without them
            log.error("metrics_unavailable", address=m.address, port=m.port, error=str(err))
    log.info(
        "start",
        site=cfg.site.name,
        field=args.field,
        procimg=parts.procimg,
        configrsc=parts.configrsc,
        period_s=cfg.scan.period_s,
        broker=None if bridge is None else f"{bridge.host}:{bridge.port}",
        latches=str(parts.paths.latches),
        audit=str(parts.paths.audit),
        status=str(parts.paths.status),
        pid=os.getpid(),
    )
    try:
        if bridge is not None:
            bridge.start()
        runner.run(stop, max_scans=args.max_scans)
    except BaseException as err:
        reason["why"] = f"{type(err).__name__}: {err}"
        raise
    finally:
        log.info("stop", reason=reason["why"], scans=runner.stats.scans, overruns=runner.stats.overruns)
        parts.close()
    return 0


def safe_outputs(cfg: ThermiqConfig, io_list, procimg: str | None, configrsc: str | None) -> list[str]:
    """Write the safe output image (every output de-energised) once; returns the outputs written.

    ``ExecStopPost=thermiq safe-outputs``: runs after the daemon has exited, whatever the exit was
    (crash, watchdog kill), so the outputs never stay as the last scan left them. On the PLC the
    piControl output watchdog does the same after ``output_watchdog_ms``; this is faster and also
    covers a file-backed image. Miners lose power with their contactors.
    """
    from thermiq.adapters.revpi.process_image import RevPiProcessImage
    from thermiq.control.arbitrate import safe_outputs as safe_image

    image = RevPiProcessImage(io_list, procimg or cfg.process_image.procimg, configrsc or cfg.process_image.configrsc)
    try:
        digital = safe_image(cfg).digital
        image.write(digital)
        return sorted(image.output_names)
    finally:
        image.close()
