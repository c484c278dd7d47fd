"""Pure: which calls a :class:`MinerCommand` needs now (clamp, deadband, rate limit).

Braiins OS rejects targets outside ``GetConstraints`` (INVALID_ARGUMENT, pyasic#242) and
a 0 W target, so a stop is ``PauseMining`` (site requirement SA-006), a target is clamped
into [min, max] with a stated reason, and target changes are sent only when they differ
from the target in force by at least ``deadband_w`` and at most once per
``min_change_interval_s`` (each change makes the tuner ramp slowly: docs/SOURCES.md S-BRAIINS).
Pause is never rate-limited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from thermiq.cycle.image import MinerCommand, MinerSnapshot, MinerState


@dataclass(frozen=True, slots=True)
class Action:
    """One call to make: ``pause``, ``resume`` or ``set_target`` (with ``target_w`` [W])."""

    kind: Literal["pause", "resume", "set_target"]
    target_w: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The calls to make now, and why a request was changed or held back (for the log)."""

    actions: tuple[Action, ...] = ()
    notes: tuple[str, ...] = ()


def clamp_target(target_w: float, snap: MinerSnapshot) -> tuple[int | None, str | None]:
    """Clamp ``target_w`` into the miner's constraints; ``(None, reason)`` while they are unknown."""
    lo, hi = snap.power_target_min_w, snap.power_target_max_w
    if lo is None or hi is None:
        return None, "constraints unknown: target held back"
    if target_w < lo:
        return int(round(lo)), f"target {target_w:.0f} W below miner minimum {lo:.0f} W: clamped"
    if target_w > hi:
        return int(round(hi)), f"target {target_w:.0f} W above miner maximum {hi:.0f} W: clamped"
    return int(round(target_w)), None


def decide(
    cmd: MinerCommand | None,
    snap: MinerSnapshot,
    last_change_s: float | None,
    now_s: float,
    deadband_w: float,
    min_change_interval_s: float,
) -> Decision:
    """The calls that bring the miner towards ``cmd``.

    Parameters
    ----------
    cmd : latest command of the scan (``None``: nothing asked yet).
    snap : latest snapshot of the miner (must be reachable for any call).
    last_change_s : monotonic time of the last target change sent [s], ``None`` if none.
    now_s : monotonic now [s].
    deadband_w : smallest target change worth sending [W].
    min_change_interval_s : shortest time between two target changes [s].
    """
    if cmd is None or not snap.reachable:
        return Decision()
    if not cmd.run:
        if snap.state == MinerState.PAUSED:
            return Decision()
        return Decision((Action("pause"),))
    actions: list[Action] = []
    notes: list[str] = []
    if snap.state in (MinerState.PAUSED, MinerState.STOPPED):
        actions.append(Action("resume"))
    if cmd.power_target_w is not None:
        target, reason = clamp_target(cmd.power_target_w, snap)
        if reason:
            notes.append(reason)
        if target is not None:
            in_force = snap.power_target_w
            if in_force is not None and abs(target - in_force) < deadband_w:
                pass  # inside the deadband: not worth a slow re-tune
            elif last_change_s is not None and now_s - last_change_s < min_change_interval_s:
                notes.append(f"target {target} W held back by the rate limit")
            else:
                actions.append(Action("set_target", target))
    return Decision(tuple(actions), tuple(notes))
