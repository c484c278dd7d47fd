"""In-process stand-ins for the field devices (tests, and a controller run without a fieldbus).

They satisfy ``thermiq.adapters.protocols`` without any I/O. A source with nothing to report
returns the empty snapshot (all values None = invalid), never zeros.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from types import MappingProxyType

from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerCommand, MinerSnapshot


class StaticInverter:
    """Returns whatever snapshot was last set (``set``); starts with no data."""

    def __init__(self, snap: InverterSnapshot | None = None):
        self.snap = snap or InverterSnapshot()

    def set(self, snap: InverterSnapshot) -> None:
        self.snap = snap

    def snapshot(self) -> InverterSnapshot:
        return self.snap


class StaticMeters:
    """Returns the meter snapshots last set; starts with none."""

    def __init__(self, snaps: Mapping[str, MeterSnapshot] | None = None):
        self.snaps = MappingProxyType(dict(snaps or {}))

    def snapshots(self) -> Mapping[str, MeterSnapshot]:
        return self.snaps


class RecordingMiner:
    """A miner link that records the last ``keep`` commands and reports a settable snapshot.

    The record is bounded (a daemon on fakes gets one command per scan, 172,800 a day at 0.5 s);
    ``count`` is the number of commands ever received.
    """

    def __init__(self, snap: MinerSnapshot | None = None, keep: int = 1000):
        self.snap = snap or MinerSnapshot()
        self.commands: deque[MinerCommand] = deque(maxlen=keep)
        self.count = 0

    def snapshot(self) -> MinerSnapshot:
        return self.snap

    def command(self, cmd: MinerCommand) -> None:
        self.commands.append(cmd)
        self.count += 1
