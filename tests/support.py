"""Test helpers shared across the suites."""

from __future__ import annotations

import os

import pytest


def unavailable(reason: str):
    """A real part (Mosquitto, Node-RED, openssl, pip) is missing: skip on a developer machine,
    fail under CI (``CI`` set), where the set-up scripts must have installed it."""
    if os.environ.get("CI"):
        pytest.fail(f"required test dependency unavailable under CI: {reason}")
    pytest.skip(reason)


class ShiftedClock:
    """The system clock moved by ``offset_s`` [s], which a test may change (a clock domain unlike
    the system's, to prove injection; a jump of the clock without real waiting for worker threads)."""

    def __init__(self, offset_s: float = 0.0) -> None:
        from thermiq.clock import SystemClock

        self._sys = SystemClock()
        self.offset_s = offset_s

    def monotonic(self) -> float:
        return self._sys.monotonic() + self.offset_s

    def wall(self) -> float:
        return self._sys.wall() + self.offset_s

    def sleep(self, seconds: float) -> None:
        self._sys.sleep(seconds)

    def wait(self, event, timeout_s: float) -> bool:
        return self._sys.wait(event, timeout_s)
