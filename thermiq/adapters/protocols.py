"""Narrow, single-capability interfaces between the scan and the field devices.

Every method here is non-blocking: it returns the latest snapshot a background worker
acquired, or queues a command for that worker. The scan thread never waits on a device.
The in-process fakes (``thermiq.adapters.fakes``), the real protocol adapters and the
simulated devices all satisfy these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerCommand, MinerSnapshot


class InverterSource(Protocol):
    """Provides the latest hybrid-inverter snapshot (grid import +, battery discharge +)."""

    def snapshot(self) -> InverterSnapshot: ...


class MeterSource(Protocol):
    """Provides the latest snapshot of every configured energy meter, by meter name."""

    def snapshots(self) -> Mapping[str, MeterSnapshot]: ...


class MinerLink(Protocol):
    """Telemetry from, and commands to, one miner."""

    def snapshot(self) -> MinerSnapshot: ...

    def command(self, cmd: MinerCommand) -> None:
        """Queue ``cmd``; the worker applies it with deadband, rate limit and deadline."""
        ...


class Closeable(Protocol):
    def close(self) -> None: ...
