"""Shared helpers for the field-device tests: free ports, a socat pty line, polling waits."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest

from hardware_sim.devices.pty_pair import PtyPair


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond: Callable[[], bool], timeout_s: float = 10.0, what: str = "condition") -> None:
    """Poll ``cond`` until true; fail the test naming ``what`` after ``timeout_s``."""
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def pty_line():
    """A virtual RS485 line (socat pty pair): ``.master_port`` for ThermIQ, ``.device_port`` for the sim."""
    with PtyPair() as pair:
        yield pair


@pytest.fixture(name="free_port")
def free_port_fixture() -> Callable[[], int]:
    """The :func:`free_port` helper as a fixture."""
    return free_port


@pytest.fixture(name="wait_until")
def wait_until_fixture():
    """The :func:`wait_until` helper as a fixture."""
    return wait_until
