"""A simulated operator: acknowledges and resets a latched trip after a delay once its cause cleared.

Pure. In the cabinet a person does this (SAFETY.md: operator reset); in a study the policy shows
how often the plant would have needed one. Off by default: a year "with the operator policy off"
keeps every trip latched, which is what done-when 4 of issue #10 measures. A hardware trip (the
STB chain, I13) also needs the STB reset on the plant, which the harness does when the policy
resets I13 (``hardware_sim.plant.model.reset_safety``: only once the STB has cooled).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class OperatorPolicy:
    """enabled : acts at all; delay_s : time from "cause cleared" to ack + reset [s]."""

    enabled: bool = False
    delay_s: float = 3600.0


@dataclass(frozen=True, slots=True)
class OperatorState:
    """Since when each latched trip's cause has been clear [sim s], and the resets done so far."""

    cleared_since_s: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    resets: tuple[tuple[float, str], ...] = ()


def operator_step(
    policy: OperatorPolicy, st: OperatorState, trips: Mapping[str, object], now_s: float
) -> tuple[OperatorState, tuple[tuple[str, str], ...]]:
    """One look at the alarm list -> (new state, commands ``(action, trip_id)`` to send this scan).

    ``trips`` maps trip id -> ``TripState`` (``alarm.value`` in normal | active_unack | active_ack |
    cleared_unack | cleared_ack). A trip counts as cleared in the cleared_* states.
    """
    if not policy.enabled:
        return st, ()
    since = {}
    commands: list[tuple[str, str]] = []
    resets = list(st.resets)
    for tid, ts in trips.items():
        state = getattr(ts.alarm, "value", ts.alarm)
        if not state.startswith("cleared"):
            continue
        t0 = st.cleared_since_s.get(tid, now_s)
        if now_s - t0 >= policy.delay_s:
            commands += [("ack", tid), ("reset", tid)]
            resets.append((now_s, tid))
        else:
            since[tid] = t0
    return OperatorState(MappingProxyType(since), tuple(resets)), tuple(commands)
