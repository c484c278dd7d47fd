"""Climate zones: a scheduled room target, a default and a hysteresis band with a dwell time.

Pure. The schedule is a list of local-time slots [start, end); the first slot that contains
the present local time wins, a slot whose end lies before its start crosses midnight, and the
default applies outside every slot (Edge Mining's ``ClimateZone.resolve_target_temperature``,
edge-mining/app#45). Unlike there, the band is applied here: demand switches on below
``target - band/2``, off above ``target + band/2``, and never changes twice within
``min_dwell_s`` (anti-flap).
"""

from __future__ import annotations

from dataclasses import dataclass

from thermiq.config.schema import ZoneConfig
from thermiq.control.tariff import in_slot, local_minute
from thermiq.control.timers import NEVER


def zone_target_c(zone: ZoneConfig, wall_s: float, utc_offset_h: float) -> float:
    """Room target in force at ``wall_s`` [°C]."""
    minute = local_minute(wall_s, utc_offset_h)
    for slot in zone.schedule:
        if in_slot(minute, slot.start, slot.end):
            return slot.target_c
    return zone.default_target_c


@dataclass(frozen=True, slots=True)
class ZoneCtl:
    """Heat demand of one zone and when it last changed [monotonic s]."""

    demand: bool = True
    since_s: float = NEVER


def zone_step(
    st: ZoneCtl, zone: ZoneConfig, room_c: float | None, wall_s: float, utc_offset_h: float, now_s: float
) -> tuple[ZoneCtl, float]:
    """One scan of a zone -> (new state, target [°C]).

    An invalid room temperature (None) keeps the demand on (the heating curve alone decides,
    never a cold house because a sensor failed).
    """
    target = zone_target_c(zone, wall_s, utc_offset_h)
    if room_c is None:
        wanted = True
    elif room_c < target - zone.hysteresis_k / 2.0:
        wanted = True
    elif room_c > target + zone.hysteresis_k / 2.0:
        wanted = False
    else:
        wanted = st.demand
    if wanted != st.demand and now_s - st.since_s >= zone.min_dwell_s:
        return ZoneCtl(wanted, now_s), target
    return st, target
