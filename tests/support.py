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
