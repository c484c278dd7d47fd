"""Freeze phase: the one staleness decision of the scan.

Adapters stamp what they hand over with the monotonic time it was seen; here each stamp becomes
an age, and a value older than the one configured limit of its source is invalid:

| source | stamp | limit |
|---|---|---|
| process-image signals | last time piControl was seen refreshing the image | ``limits.signal_max_age_s`` |
| inverter | last good Modbus read | ``scan.inverter_max_age_s`` |
| each meter | last good Modbus read | ``scan.meter_max_age_s`` |
| each miner | last good Braiins OS poll | ``scan.miner_max_age_s`` |

A stale signal becomes ``Signal(None, age, "stale")`` (the interlocks treat it as I8); a stale
snapshot becomes its empty (all-``None``) form, keeping its stamp. Adapters decide no staleness
of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from thermiq.config.schema import ScanConfig
from thermiq.cycle.image import InverterSnapshot, MeterSnapshot, MinerSnapshot, ProcessImage, Signal


def fresh(stamp_s: float | None, now_s: float, max_age_s: float) -> bool:
    """True when a value stamped ``stamp_s`` is at most ``max_age_s`` old at ``now_s`` [s]."""
    return stamp_s is not None and now_s - stamp_s <= max_age_s


def aged(sig: Signal, now_s: float, max_age_s: float) -> Signal:
    """``sig`` with its age at ``now_s``; invalid (fault ``stale``) when older than ``max_age_s`` [s].

    A signal without a stamp (made in the scan itself) is returned unchanged.
    """
    if sig.stamp_s is None:
        return sig
    age_s = max(0.0, now_s - sig.stamp_s)
    if age_s > max_age_s:
        return Signal(None, age_s, "stale", sig.stamp_s)
    return Signal(sig.value, age_s, sig.fault, sig.stamp_s)


def freeze(
    now_s: float,
    wall_s: float,
    signals: Mapping[str, Signal],
    inverter: InverterSnapshot,
    meters: Mapping[str, MeterSnapshot],
    miners: Mapping[str, MinerSnapshot],
    cfg: ScanConfig,
    signal_max_age_s: float,
) -> ProcessImage:
    """Build the frozen :class:`ProcessImage` at ``now_s``; stale values become invalid.

    Parameters
    ----------
    now_s, wall_s : scan time, monotonic [s] and UNIX [s]
    signals : process-image signals by I/O-list name, stamped by the image adapter
    inverter, meters, miners : field-device snapshots as handed over (stamped)
    cfg : the ``[scan]`` section (inverter/meter/miner limits)
    signal_max_age_s : ``limits.signal_max_age_s`` [s], the limit of process-image signals
    """
    sigs = {}
    for name, sig in signals.items():  # aged(), inlined: every signal, every scan
        stamp_s = sig.stamp_s
        if stamp_s is None:
            sigs[name] = sig
            continue
        age_s = now_s - stamp_s
        age_s = age_s if age_s > 0.0 else 0.0  # max(0.0, age_s)
        if age_s > signal_max_age_s:
            sigs[name] = Signal(None, age_s, "stale", stamp_s)
        elif age_s == sig.age_s:  # already carries its age (read in this scan): the same frozen value
            sigs[name] = sig
        else:
            sigs[name] = Signal(sig.value, age_s, sig.fault, stamp_s)
    inv = inverter if fresh(inverter.stamp_s, now_s, cfg.inverter_max_age_s) else InverterSnapshot(inverter.stamp_s)
    met = {
        k: (v if fresh(v.stamp_s, now_s, cfg.meter_max_age_s) else MeterSnapshot(v.stamp_s)) for k, v in meters.items()
    }
    mins = {
        k: (v if fresh(v.stamp_s, now_s, cfg.miner_max_age_s) else MinerSnapshot(stamp_s=v.stamp_s))
        for k, v in miners.items()
    }
    return ProcessImage(now_s, wall_s, MappingProxyType(sigs), inv, MappingProxyType(met), MappingProxyType(mins))
