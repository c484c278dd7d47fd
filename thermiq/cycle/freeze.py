"""Freeze phase: stamp field-device snapshots with their age and invalidate stale ones."""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from thermiq.config.schema import ScanConfig
from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerSnapshot, ProcessImage, Signal

_NO_INVERTER = InverterSnapshot()


def fresh(stamp_s: float | None, now_s: float, max_age_s: float) -> bool:
    """True when a snapshot taken at ``stamp_s`` is at most ``max_age_s`` old at ``now_s``."""
    return stamp_s is not None and now_s - stamp_s <= max_age_s


def freeze(now_s: float, wall_s: float, signals: Mapping[str, Signal], inverter: InverterSnapshot,
           meters: Mapping[str, MeterSnapshot], miners: Mapping[str, MinerSnapshot], cfg: ScanConfig) -> ProcessImage:
    """Build the frozen :class:`ProcessImage`; stale snapshots become their empty (all-None) form."""
    inv = inverter if fresh(inverter.stamp_s, now_s, cfg.inverter_max_age_s) else _NO_INVERTER
    met = {k: (v if fresh(v.stamp_s, now_s, cfg.meter_max_age_s) else MeterSnapshot()) for k, v in meters.items()}
    mins = {k: (v if fresh(v.stamp_s, now_s, cfg.miner_max_age_s) else MinerSnapshot(stamp_s=v.stamp_s))
            for k, v in miners.items()}
    return ProcessImage(now_s, wall_s, MappingProxyType(dict(signals)), inv, MappingProxyType(met), MappingProxyType(mins))
