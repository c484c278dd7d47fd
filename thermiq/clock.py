"""The one clock of the daemon: monotonic seconds for timers and stamps, wall time for schedules.

Every part of ``thermiq`` that needs the time takes a :class:`Clock` (the runner's loop, the MQTT
bridge, the field-device workers, the process image); this module is the only one that reads the
system clocks (enforced by ``tests/cabinet/test_clock_rule.py``). The pure core never sees a
clock: it gets ``now_s`` (monotonic [s]) and ``wall_s`` (UNIX [s]) as arguments.

* :class:`SystemClock`: ``time.monotonic`` / ``time.time``; waits really wait.
* :class:`FakeClock`: time moves only when told (``advance``, ``advance_to``) or when someone
  sleeps or waits on it, which advances it at once: a loop driven by it runs without real waiting.
  Meant for one driving thread; worker threads that pace themselves on a fake clock would move
  everybody's time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Time source: ``monotonic()`` [s] (never goes back), ``wall()`` [UNIX s], and waiting on it."""

    def monotonic(self) -> float: ...

    def wall(self) -> float: ...

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` [s] of this clock's time pass."""
        ...

    def wait(self, event: threading.Event, timeout_s: float) -> bool:
        """Wait until ``event`` is set or ``timeout_s`` [s] of this clock's time passed; ``event.is_set()``."""
        ...


@dataclass(frozen=True)
class SystemClock:
    """The system clocks (CLOCK_MONOTONIC and the UNIX wall clock). All instances are equal."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, event: threading.Event, timeout_s: float) -> bool:
        return event.wait(max(0.0, timeout_s))


class FakeClock:
    """A clock for tests and studies that moves only when advanced; thread-safe.

    Parameters
    ----------
    start_s : float        monotonic time at creation [s]
    wall_start_s : float   wall time at creation [UNIX s]; wall time moves with the monotonic time

    Raises
    ------
    ValueError
        From :meth:`advance` / :meth:`advance_to` when asked to go back in time.
    """

    def __init__(self, start_s: float = 0.0, wall_start_s: float = 1.7e9) -> None:
        self._lock = threading.Lock()
        self._now_s = float(start_s)
        self._wall_offset_s = float(wall_start_s) - float(start_s)
        self.slept_s = 0.0  #: total time passed through sleep()/wait() [s] (what a real clock would have waited)

    def monotonic(self) -> float:
        with self._lock:
            return self._now_s

    def wall(self) -> float:
        with self._lock:
            return self._now_s + self._wall_offset_s

    def advance(self, seconds: float) -> float:
        """Move the time forward by ``seconds`` [s] (>= 0); returns the new monotonic time."""
        if seconds < 0:
            raise ValueError(f"a clock does not go back: advance({seconds})")
        with self._lock:
            self._now_s += seconds
            return self._now_s

    def advance_to(self, now_s: float) -> float:
        """Move the time forward to ``now_s`` [s] (not before the current time)."""
        with self._lock:
            if now_s < self._now_s:
                raise ValueError(f"a clock does not go back: advance_to({now_s}) at {self._now_s}")
            self._now_s = float(now_s)
            return self._now_s

    def sleep(self, seconds: float) -> None:
        """Advance at once by ``seconds`` (a negative sleep is no sleep)."""
        seconds = max(0.0, seconds)
        with self._lock:
            self.slept_s += seconds
            self._now_s += seconds

    def wait(self, event: threading.Event, timeout_s: float) -> bool:
        """True at once when ``event`` is set; otherwise advance by ``timeout_s`` and report the event."""
        if event.is_set():
            return True
        self.sleep(timeout_s)
        return event.is_set()
