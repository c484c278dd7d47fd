"""Stay inside the interlocks: derate the miners as the loop supply or an outlet nears its trip.

Pure. Each watched temperature has a ceiling = trip limit - ``margin_k``. Miner power may be at
most its maximum up to ``band_k`` below the ceiling and falls linearly to its minimum at the
ceiling; at the ceiling the miners pause (the normal pause path, not a trip) and resume only
``resume_k`` below it. An invalid temperature counts as at the ceiling (the interlock trips on
it anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from thermiq.config.schema import DeratingConfig


@dataclass(frozen=True, slots=True)
class Derate:
    """Result for this scan: allowed fraction of the range [0..1] and whether the miners must pause."""

    frac: float
    pause: bool
    headroom_k: float


def headroom_k(temps_c: tuple[float | None, ...], trips_c: tuple[float, ...], margin_k: float) -> float:
    """Smallest distance of the temperatures below their ceilings (trip - margin) [K]; None counts as 0."""
    room = float("inf")
    for t, trip in zip(temps_c, trips_c, strict=True):
        room = min(room, 0.0 if t is None else trip - margin_k - t)
    return room


def derate_step(was_paused: bool, room_k: float, cfg: DeratingConfig) -> Derate:
    """Fraction of the (min..max) power range allowed, and pause with hysteresis."""
    paused = room_k <= 0.0 or (was_paused and room_k < cfg.resume_k)
    frac = max(0.0, min(1.0, room_k / cfg.band_k))
    return Derate(frac, paused, room_k)


def capped_power_w(power_min_w: float, power_max_w: float, frac: float) -> float:
    """The power cap of a miner at derate fraction ``frac`` [W]."""
    return power_min_w + frac * (power_max_w - power_min_w)
