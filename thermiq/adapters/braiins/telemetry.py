"""Pure: Braiins OS replies → :class:`MinerSnapshot`, with plausibility limits.

Power is ``GetMinerStats.power_stats.approximated_consumption`` — what the miner measures
of itself (docs/SOURCES.md S-BRAIINS: an estimate; the wall meter is better, and the site meters
can be compared in the scan). It is never the commanded target. Values outside the
plausible range (a firmware glitch, a broken sensor) become ``None``, never clipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from thermiq.adapters.braiins._pb import bos_v1_pb2 as pb
from thermiq.cycle.image import MinerSnapshot, MinerState

TEMP_VALID_MIN_C = -40.0

_STATE = {
    pb.MINER_STATUS_NORMAL: MinerState.MINING,
    pb.MINER_STATUS_PAUSED: MinerState.PAUSED,
    pb.MINER_STATUS_NOT_STARTED: MinerState.STOPPED,
    pb.MINER_STATUS_SUSPENDED: MinerState.PAUSED,
    pb.MINER_STATUS_RESTRICTED: MinerState.MINING,
}


@dataclass(frozen=True, slots=True)
class Plausibility:
    """Limits above which a reported value is treated as invalid."""

    power_max_w: float = 10000.0
    temp_max_c: float = 150.0


@dataclass(frozen=True, slots=True)
class Replies:
    """The replies of one telemetry poll (constraints may be cached from an earlier poll)."""

    details: pb.GetMinerDetailsResponse
    stats: pb.GetMinerStatsResponse
    hashboards: pb.GetHashboardsResponse
    cooling: pb.GetCoolingStateResponse
    tuner: pb.GetTunerStateResponse
    constraints: pb.GetConstraintsResponse


def _temp(t: float, lim: Plausibility) -> float | None:
    return t if TEMP_VALID_MIN_C <= t <= lim.temp_max_c else None


def to_snapshot(
    r: Replies, stamp_s: float, publishes_hashrate: bool, lim: Plausibility = Plausibility()
) -> tuple[MinerSnapshot, list[str]]:
    """Build the snapshot of one poll at ``stamp_s``; also returns the implausible fields found.

    hashrate_ths = real_hashrate.last_1m [GH/s] / 1000; ``None`` when the site says this
    miner publishes no hashrate. board_temps_c from enabled boards' ``board_temp``;
    chip_temp_max_c = max(highest_chip_temp of the boards, cooling highest_temperature).
    """
    rejected: list[str] = []
    power = float(r.stats.power_stats.approximated_consumption.watt)
    if not 0.0 <= power <= lim.power_max_w:
        rejected.append(f"power_w={power}")
        power_w: float | None = None
    else:
        power_w = power
    boards: list[float] = []
    chips: list[float] = []
    for hb in r.hashboards.hashboards:
        if not hb.enabled:
            continue
        bt = _temp(hb.board_temp.degree_c, lim)
        ct = _temp(hb.highest_chip_temp.temperature.degree_c, lim)
        if bt is None:
            rejected.append(f"board {hb.id} temp {hb.board_temp.degree_c}")
        else:
            boards.append(bt)
        if ct is None:
            rejected.append(f"board {hb.id} chip temp {hb.highest_chip_temp.temperature.degree_c}")
        else:
            chips.append(ct)
    if r.cooling.HasField("highest_temperature"):
        ht = _temp(r.cooling.highest_temperature.temperature.degree_c, lim)
        if ht is not None:
            chips.append(ht)
    pt = r.constraints.tuner_constraints.power_target
    cmin, cmax = float(pt.min.watt), float(pt.max.watt)
    has_limits = r.constraints.HasField("tuner_constraints") and 0.0 < cmin < cmax
    target = None
    if r.tuner.HasField("power_target_mode_state"):
        target = float(r.tuner.power_target_mode_state.current_target.watt) or None
    hashrate = r.stats.miner_stats.real_hashrate.last_1m.gigahash_per_second / 1000.0
    snap = MinerSnapshot(
        stamp_s=stamp_s,
        reachable=True,
        state=_STATE.get(r.details.status, MinerState.UNKNOWN),
        power_w=power_w,
        power_target_w=target,
        hashrate_ths=hashrate if publishes_hashrate and hashrate >= 0.0 else None,
        board_temps_c=tuple(boards),
        chip_temp_max_c=max(chips) if chips else None,
        power_target_min_w=cmin if has_limits else None,
        power_target_max_w=cmax if has_limits else None,
    )
    return snap, rejected
