"""The imperative shell around the core: read -> freeze -> core -> write -> publish -> watchdog.

Owns the scan loop (autorefresh off) on a fixed period of the monotonic clock, measures the cost
of every scan, counts overruns and skips missed slots ("Next" policy, never queues activations;
docs/SOURCES.md S-SCAN). Field devices are read off this thread (their adapters hand over
snapshots); MQTT is handed a status mapping and never blocks the scan.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import structlog

from thermiq.adapters.protocols import InverterSource, MeterSource, MinerLink
from thermiq.clock import Clock, SystemClock
from thermiq.config.schema import ThermiqConfig
from thermiq.control.arbitrate import safe_outputs
from thermiq.control.setpoints import default_setpoints
from thermiq.cycle.commands import safety_acks, setpoints_in_force, split_commands
from thermiq.cycle.freeze import freeze
from thermiq.cycle.image import Signal
from thermiq.cycle.latches import LatchStore
from thermiq.cycle.proof import prove
from thermiq.cycle.scan import CommandOutcome, Core, SafetyCommand, ScanResult, initial_state
from thermiq.cycle.status import build_status
from thermiq.cycle.watchdog import Notifier
from thermiq.interlocks.evaluate import Permits
from thermiq.iomap.io_list import IoList

log = structlog.get_logger("thermiq.runner")


def _sender(cmd) -> str | None:
    """Who issued a command (``user`` or ``by``, whichever the command type carries), or None."""
    return getattr(cmd, "user", None) or getattr(cmd, "by", None)


@dataclass
class ScanStats:
    """Cycle statistics: scan cost [s] (work per scan), overruns, count."""

    period_s: float
    scans: int = 0
    overruns: int = 0
    consecutive_overruns: int = 0
    last_cost_s: float = 0.0
    costs_s: deque = field(default_factory=lambda: deque(maxlen=2048))

    def p99_s(self) -> float:
        if not self.costs_s:
            return 0.0
        ordered = sorted(self.costs_s)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    def as_status(self) -> dict[str, float | int]:
        return {
            "period_s": self.period_s,
            "cycle_time_s": self.last_cost_s,
            "cycle_time_p99_s": self.p99_s(),
            "overruns": self.overruns,
            "scans": self.scans,
        }


class Runner:
    """Drives the core against a process image and field devices.

    Parameters
    ----------
    cfg : ThermiqConfig
    io_list : IoList
    image : object with ``read() -> dict[str, Signal]`` and ``write(digital)`` (RevPiProcessImage)
    inverter, meters, miners : non-blocking field-device adapters (thermiq.adapters.protocols)
    clock : the one :class:`thermiq.clock.Clock` of the loop (monotonic time for timers, stamps and
        the scan grid; wall time for schedules); :class:`SystemClock` in the cabinet, a
        :class:`FakeClock` in tests and studies. An image that stamps with a clock (``image.clock``)
        must use this one.
    cost_clock : the clock that measures the work of a scan (``stats``); default ``clock``. A
        simulation on a :class:`FakeClock` passes a :class:`SystemClock` here to see real costs.
    bridge : optional MQTT bridge (``publish_status``, ``drain_commands``, ``ack``)
    latch_store : optional LatchStore; latches are restored at start and saved on change
    notifier : optional sd_notify :class:`Notifier`: READY once after the first completed scan with
        the I/O running (piControl running, image read), WATCHDOG after every completed scan
    observers : callables ``(runner, image, result, cost_s)`` run in the publish phase of every
        scan (metrics, status file, command spool); they must not block

    After each scan ``last_results`` holds the command results of that scan (setpoint acks and
    safety outcomes, as ``thermiq.commands.CommandResult``) and ``last_users`` the issuing user
    by request id (``None`` where a command carries none).

    Raises
    ------
    ValueError
        If the image stamps its signals with another clock than ``clock``.
    """

    def __init__(
        self,
        cfg: ThermiqConfig,
        io_list: IoList,
        image,
        inverter: InverterSource,
        meters: MeterSource,
        miners: Mapping[str, MinerLink],
        clock: Clock = SystemClock(),
        bridge=None,
        latch_store: LatchStore | None = None,
        publish_every: int = 1,
        notifier: Notifier | None = None,
        cost_clock: Clock | None = None,
        observers=(),
    ):
        if getattr(image, "clock", clock) != clock:
            raise ValueError("the process image stamps with another clock than the runner's: pass one Clock to both")
        problems = prove(cfg, io_list)  # load-time proof: no scan on a signal the I/O list lacks
        if problems:
            raise ValueError("configuration refused: " + "; ".join(problems))
        self.cfg, self.io_list, self.image = cfg, io_list, image
        self.inverter, self.meters, self.miners = inverter, meters, dict(miners)
        self.clock, self.bridge, self.latches = clock, bridge, latch_store
        self.cost_clock = clock if cost_clock is None else cost_clock
        self.core = Core.build(cfg, io_list)
        self.stats = ScanStats(cfg.scan.period_s)
        self.publish_every = max(1, publish_every)
        locks = None
        if latch_store is not None:
            locks, warning = latch_store.load(clock.monotonic(), tuple(r.spec.id for r in self.core.table))
            if warning:
                log.warning("latches_restored_fail_safe", detail=warning)
            elif locks.latched:
                log.warning("latches_restored", trips=list(locks.latched))
        self.state = initial_state(cfg, locks)
        self.defaults = default_setpoints(cfg)
        self.store = None
        if bridge is not None:
            from thermiq.commands import SetpointStore, setpoint_specs

            self.store = SetpointStore.from_specs(setpoint_specs(cfg))
        self.notifier = notifier
        self.observers = list(observers)
        self.ready_sent = False
        self.last_results: list = []
        self.last_users: dict[str, str | None] = {}
        self.last: ScanResult | None = None
        self._timing_ok = True
        self._pending_safety: list[SafetyCommand] = []

    def submit_safety_command(self, cmd: SafetyCommand) -> None:
        """Queue an acknowledge/reset for the next scan (CLI or bridge)."""
        self._pending_safety.append(cmd)

    def scan_once(self) -> ScanResult:
        """One complete scan; returns the core's result. Never waits on a field device."""
        t0 = self.cost_clock.monotonic()
        now_s, wall_s = self.clock.monotonic(), self.clock.wall()
        # read + freeze
        signals = self.image.read()
        io_running = getattr(self.image, "io_running", True)
        signals["scan_timing_ok"] = Signal(self._timing_ok)
        img = freeze(
            now_s,
            wall_s,
            signals,
            self.inverter.snapshot(),
            self.meters.snapshots(),
            {n: m.snapshot() for n, m in self.miners.items()},
            self.cfg.scan,
            self.cfg.limits.signal_max_age_s,
        )
        safety, topics, acks = self._pending_safety, {}, []
        self._pending_safety = []
        users = {c.request_id: _sender(c) for c in safety}
        if self.bridge is not None:
            drained = self.bridge.drain_commands()
            users.update({c.request_id: _sender(c) for c in drained})
            self.store, acks, remote = split_commands(self.store, drained, now_s)
            safety = safety + [c for c, _ in remote]
            topics = {c.request_id: t for c, t in remote}
        sp = setpoints_in_force(self.defaults, self.store, now_s)
        if sp is not self.state.setpoints and sp != self.state.setpoints:
            old, new = self.state.setpoints.as_dict(), sp.as_dict()
            log.info("setpoints_changed", changes={k: [old.get(k), v] for k, v in new.items() if old.get(k) != v})
            self.state = replace(self.state, setpoints=sp)
        # interlocks -> controllers -> arbitrate (or hold the safe image while the I/O is down)
        res = self.core.scan(img, self.state, tuple(safety)) if io_running else self._hold_safe(now_s, safety)
        # write
        self.image.write(res.outputs.digital)
        for name, cmd in res.outputs.miners.items():
            self.miners[name].command(cmd)
        self.state, self.last = res.state, res
        # publish
        for ev in res.events:
            log.warning("trip", trip=ev.trip_id, old=ev.old.value, new=ev.new.value, value=ev.value)
        if self.latches is not None:
            self.latches.save(res.state.interlocks)
        if self.bridge is not None:
            for result in acks + safety_acks(res.outcomes, topics):
                self.bridge.ack(result)
            if self.stats.scans % self.publish_every == 0:
                requested = {
                    n: c.power_target_w if c.run else 0.0 for n, c in res.outputs.miners.items()
                }  # paused: 0 W
                self.bridge.publish_status(
                    build_status(
                        img,
                        res.outputs,
                        res.state,
                        self.cfg,
                        self.io_list,
                        requested,
                        self.stats.as_status(),
                        self.core.table,
                    )
                )
        self.last_results = acks + [o.result() for o in res.outcomes]
        self.last_users = users
        cost = self.cost_clock.monotonic() - t0
        for observe in self.observers:
            observe(self, img, res, cost)
        if self.notifier is not None:  # watchdog phase: only after a completed scan
            if not self.ready_sent and io_running:
                self.ready_sent = True
                self.notifier.ready(f"scanning every {self.cfg.scan.period_s:g} s")
            self.notifier.watchdog()
        self.stats.scans += 1
        self.stats.last_cost_s = cost
        self.stats.costs_s.append(cost)
        return res

    def _hold_safe(self, now_s: float, safety: list) -> ScanResult:
        """piControl is not running (blank image, I/O system starting or stopped): its inputs mean
        nothing, so the interlocks are not evaluated (nothing latches on them) and the safe output
        image is held; the start inhibit (I15) counts good scans again from zero."""
        if self.stats.scans == 0 or self.state.interlocks.good_scans:
            log.warning("io_not_running", detail="piControl not running: holding the safe output image")
        locks = replace(self.state.interlocks, good_scans=0, miner_good_scans=MappingProxyType({}))
        state = replace(self.state, interlocks=locks, last_now_s=now_s)
        refused = tuple(
            CommandOutcome(
                c.request_id,
                False,
                "I/O not running (piControl): command not applied",
                getattr(c, "topic", None) or "cmd/safety/local",
            )
            for c in safety
        )
        return ScanResult(state, safe_outputs(self.cfg), Permits(), (), refused)

    def write_safe_outputs(self) -> None:
        """Fail-safe output image: everything de-energised, miners paused (stop, exception)."""
        safe = safe_outputs(self.cfg)
        self.image.write(safe.digital)
        for name, cmd in safe.miners.items():
            self.miners[name].command(cmd)

    def run(self, stop: threading.Event, max_scans: int | None = None) -> None:
        """Scan on a fixed grid of the runner's monotonic clock until ``stop`` is set.

        An overrun skips to the next grid slot and is counted; ``overrun_trip_count`` consecutive
        overruns, or one scan longer than ``overrun_trip_factor`` periods, open the I12 trip.
        Any exception writes the safe outputs before it propagates.
        """
        period = self.cfg.scan.period_s
        clock = self.clock
        next_s = clock.monotonic()
        try:
            while not stop.is_set() and (max_scans is None or self.stats.scans < max_scans):
                started = clock.monotonic()
                self.scan_once()
                now = clock.monotonic()
                elapsed = now - started
                next_s += period
                if now > next_s:
                    missed = int((now - next_s) // period) + 1
                    next_s += missed * period
                    self.stats.overruns += 1
                    self.stats.consecutive_overruns += 1
                else:
                    self.stats.consecutive_overruns = 0
                if (
                    self.stats.consecutive_overruns >= self.cfg.scan.overrun_trip_count
                    or elapsed > self.cfg.scan.overrun_trip_factor * period
                ):
                    self._timing_ok = False
                elif self.stats.consecutive_overruns == 0:
                    self._timing_ok = True
                clock.wait(stop, next_s - clock.monotonic())
        finally:
            if self.notifier is not None:
                self.notifier.stopping("writing safe outputs")
            self.write_safe_outputs()
