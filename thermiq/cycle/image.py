"""The frozen process image one scan works on, and the output image it produces.

Every value the scan sees is a :class:`Signal`: a value with its age. Invalid is ``None``,
never 0 (style rule 12). Every adapter stamps what it hands over with the monotonic time it was
seen (``stamp_s``): process-image signals with the last time piControl was seen refreshing the
image, field devices (inverter, meters, miners, read off the scan thread) with the time of
their last good read. ``thermiq.cycle.freeze`` turns the stamps into ages and decides staleness,
against one configured limit per source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

EMPTY: Mapping = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Signal:
    """One input value as the scan sees it.

    value : float | bool | None
        Engineering value (°C for temperatures, bool for contacts); ``None`` = invalid.
    age_s : float
        Seconds since the value was seen [s] (``now_s - stamp_s``, set by the freeze phase).
    fault : str | None
        Why the value is invalid: ``"open"``, ``"short"``, ``"range"``, ``"stale"``,
        ``"comm"``, ``"status"``; ``None`` when valid.
    stamp_s : float | None
        Monotonic time [s] the adapter saw the value; ``None`` for values made in the scan itself.
    """

    value: float | bool | None
    age_s: float = 0.0
    fault: str | None = None
    stamp_s: float | None = None

    @property
    def ok(self) -> bool:
        """True when the value may be used."""
        return self.value is not None


INVALID = Signal(None, 0.0, "comm")


class MinerState(str, Enum):
    """Miner state as reported by Braiins OS (or ``UNKNOWN`` when unreachable)."""

    UNKNOWN = "unknown"
    MINING = "mining"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class InverterSnapshot:
    """Latest Deye inverter reading; sign convention: grid import +, battery discharge +.

    stamp_s is the monotonic time of the last good read [s], ``None`` if never read.
    Powers [W], SoC [%]. ``extra`` holds the extended variables (unit in each key).
    """

    stamp_s: float | None = None
    pv_power_w: float | None = None
    battery_soc_pct: float | None = None
    battery_power_w: float | None = None
    grid_power_w: float | None = None
    load_power_w: float | None = None
    extra: Mapping[str, float | None] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True)
class MeterSnapshot:
    """Latest reading of one RS485 energy meter. Power [W] (+ = import/consumption), energy [kWh]."""

    stamp_s: float | None = None
    power_w: float | None = None
    import_energy_kwh: float | None = None
    export_energy_kwh: float | None = None


@dataclass(frozen=True, slots=True)
class MinerSnapshot:
    """Latest Braiins OS telemetry of one miner; measured values, never the commanded ones.

    power_w [W] measured; power_target_w [W] in force on the miner; hashrate_ths [TH/s]
    (``None`` where the site says the miner publishes none); board temperatures [°C];
    power_target_min_w / power_target_max_w [W] from the miner's constraints.
    """

    stamp_s: float | None = None
    reachable: bool = False
    state: MinerState = MinerState.UNKNOWN
    power_w: float | None = None
    power_target_w: float | None = None
    hashrate_ths: float | None = None
    board_temps_c: tuple[float, ...] = ()
    chip_temp_max_c: float | None = None
    power_target_min_w: float | None = None
    power_target_max_w: float | None = None


@dataclass(frozen=True, slots=True)
class MinerCommand:
    """What the scan asks of one miner: run at ``power_target_w`` [W], or pause (``run=False``)."""

    run: bool
    power_target_w: float | None = None


@dataclass(frozen=True, slots=True)
class ProcessImage:
    """Everything one scan may read, frozen at the start of the scan.

    now_s : float       monotonic scan time [s] (timers)
    wall_s : float      wall-clock UNIX time [s] (schedules only)
    signals : Mapping[str, Signal]   process-image signals by I/O-list name
    inverter, meters, miners : field-device snapshots (miners by configured name)
    """

    now_s: float
    wall_s: float
    signals: Mapping[str, Signal]
    inverter: InverterSnapshot = InverterSnapshot()
    meters: Mapping[str, MeterSnapshot] = field(default_factory=lambda: EMPTY)
    miners: Mapping[str, MinerSnapshot] = field(default_factory=lambda: EMPTY)

    def value(self, name: str):
        """Value of signal ``name`` or ``None`` (invalid or unknown)."""
        sig = self.signals.get(name)
        return None if sig is None else sig.value


@dataclass(frozen=True, slots=True)
class OutputImage:
    """What one scan writes: digital outputs by I/O-list name, and miner commands by miner name."""

    digital: Mapping[str, bool]
    miners: Mapping[str, MinerCommand] = field(default_factory=lambda: EMPTY)
