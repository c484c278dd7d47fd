"""MinerLink over Braiins OS gRPC: a background worker polls telemetry and applies commands.

The scan calls :meth:`BraiinsMinerLink.snapshot` and :meth:`BraiinsMinerLink.command`;
both return at once. The worker thread polls every ``poll_period_s`` (and at once when a
new command arrives), each call with the client's deadline, so a hanging miner costs the
worker at most one deadline per poll and the scan nothing. After
``invalid_after_failures`` failed polls the snapshot is unreachable with every value ``None``.
The snapshot keeps the stamp of the last good poll; how old it may be is decided once, by the
scan's freeze phase (``scan.miner_max_age_s``), so a hung worker shows up there as an ageing stamp.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import structlog

from thermiq.adapters.braiins.client import BraiinsClient, BraiinsError
from thermiq.adapters.braiins.policy import decide
from thermiq.adapters.braiins.telemetry import Plausibility, Replies, to_snapshot
from thermiq.clock import Clock, SystemClock
from thermiq.cycle.image import MinerCommand, MinerSnapshot


@dataclass(frozen=True, slots=True)
class LinkTiming:
    """Worker timing and command shaping (seconds on the monotonic clock, watts)."""

    poll_period_s: float = 2.0
    invalid_after_failures: int = 2
    deadband_w: float = 100.0
    min_change_interval_s: float = 30.0
    constraints_refresh_s: float = 300.0


@dataclass
class LinkStats:
    """Counters written by the worker (for tests and benches)."""

    polls: int = 0
    failures: int = 0
    calls: dict | None = None


class BraiinsMinerLink:
    """:class:`thermiq.adapters.protocols.MinerLink` of one miner.

    Parameters
    ----------
    name : miner name (as in the site configuration).
    client : the :class:`BraiinsClient` (its deadline bounds every call).
    timing : :class:`LinkTiming`.
    clock : the :class:`~thermiq.clock.Clock` of the stamps, the rate limit and the poll schedule.
    publishes_hashrate : ``False`` where the site says the miner publishes none.
    plausibility : limits for reported values.
    """

    def __init__(
        self,
        name: str,
        client: BraiinsClient,
        timing: LinkTiming = LinkTiming(),
        clock: Clock = SystemClock(),
        publishes_hashrate: bool = True,
        plausibility: Plausibility = Plausibility(),
    ) -> None:
        self.name = name
        self.client = client
        self.timing = timing
        self._clock = clock
        self._publishes_hashrate = publishes_hashrate
        self._plaus = plausibility
        self._snap = MinerSnapshot()
        self._failures = 0
        self._cmd: MinerCommand | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._constraints = None
        self._constraints_at_s: float | None = None
        self._last_change_s: float | None = None
        self._last_notes: tuple[str, ...] = ()
        self.stats = LinkStats(calls={"pause": 0, "resume": 0, "set_target": 0})
        self._log = structlog.get_logger("thermiq.braiins").bind(miner=name, target=client.target)

    # -- scan side (non-blocking) -----------------------------------------------------------
    def snapshot(self) -> MinerSnapshot:
        """Latest snapshot, stamped with the time of its poll (all ``None`` while unreachable). Never blocks."""
        return self._snap

    def command(self, cmd: MinerCommand) -> None:
        """Queue ``cmd`` (the latest one wins); wakes the worker when it differs from the last.

        Raises
        ------
        TypeError
            If ``cmd`` is not a :class:`MinerCommand`.
        """
        if not isinstance(cmd, MinerCommand):
            raise TypeError(f"command must be a MinerCommand, got {type(cmd).__name__}")
        if cmd != self._cmd:
            self._cmd = cmd
            self._wake.set()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> BraiinsMinerLink:
        """Start the worker thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"miner-{self.name}", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the worker and close the channel (the miner keeps its last state)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self.client.close()

    # -- worker -------------------------------------------------------------------------------
    def _run(self) -> None:
        clock = self._clock
        next_poll = clock.monotonic()
        while not self._stop.is_set():
            self._poll()
            self._apply()
            next_poll = max(next_poll + self.timing.poll_period_s, clock.monotonic())
            clock.wait(self._wake, next_poll - clock.monotonic())
            if self._wake.is_set():
                self._wake.clear()
                if not self._stop.is_set():
                    self._poll()  # see where the miner is before acting on the new command
                    self._apply()

    def _poll(self) -> None:
        self.stats.polls += 1
        c = self.client
        try:
            now = self._clock.monotonic()
            if self._constraints is None or now - (self._constraints_at_s or now) >= self.timing.constraints_refresh_s:
                self._constraints = c.constraints()
                self._constraints_at_s = now
            replies = Replies(c.details(), c.stats(), c.hashboards(), c.cooling(), c.tuner_state(), self._constraints)
        except (BraiinsError, ValueError) as err:
            self.stats.failures += 1
            self._failures += 1
            if self._failures >= self.timing.invalid_after_failures and self._snap.reachable:
                self._log.warning("miner_unreachable", error=str(err), failures=self._failures)
            if self._failures >= self.timing.invalid_after_failures:
                self._snap = MinerSnapshot(stamp_s=self._snap.stamp_s)
                self._constraints = None  # re-read after the miner comes back (it may have changed)
            return
        snap, rejected = to_snapshot(replies, self._clock.monotonic(), self._publishes_hashrate, self._plaus)
        if rejected:
            self._log.warning("implausible_values", rejected=rejected)
        if not self._snap.reachable and self._failures:
            self._log.info("miner_reachable", state=snap.state.value)
        self._failures = 0
        self._snap = snap

    def _apply(self) -> None:
        now = self._clock.monotonic()
        d = decide(
            self._cmd, self._snap, self._last_change_s, now, self.timing.deadband_w, self.timing.min_change_interval_s
        )
        if d.notes and d.notes != self._last_notes:
            self._log.info("command_adjusted", notes=list(d.notes), requested=self._cmd)
        self._last_notes = d.notes
        for action in d.actions:
            try:
                if action.kind == "pause":
                    self.client.pause()
                elif action.kind == "resume":
                    self.client.resume()
                else:
                    confirmed = self.client.set_power_target(action.target_w)
                    self._last_change_s = now
                    self._log.info("power_target_set", target_w=action.target_w, confirmed_w=confirmed)
                self.stats.calls[action.kind] += 1
            except (BraiinsError, ValueError) as err:
                self._log.warning("miner_command_failed", action=action.kind, target_w=action.target_w, error=str(err))
                if action.kind == "set_target":
                    self._last_change_s = now  # a refused target is not retried faster than the rate limit
                break
