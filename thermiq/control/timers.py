"""On/off decisions with delays and minimum on/off times (style rule 14), and the Wilo pump guard.

Pure: every function takes the previous state and ``now_s`` (monotonic) and returns a new state.
"""

from __future__ import annotations

from dataclasses import dataclass

NEVER = float("-inf")


@dataclass(frozen=True, slots=True)
class OnOff:
    """State of one on/off decision: output, when it last changed, since when a change is wanted."""

    on: bool = False
    since_s: float = NEVER
    want_since_s: float | None = None


def on_off_step(
    st: OnOff,
    want_on: bool,
    now_s: float,
    on_delay_s: float = 0.0,
    off_delay_s: float = 0.0,
    min_on_s: float = 0.0,
    min_off_s: float = 0.0,
) -> OnOff:
    """Advance one on/off decision.

    The output changes once the wish to change has lasted the on/off delay AND the output has
    been in its present state for the minimum on/off time. A wish that goes away resets the delay.
    """
    if want_on == st.on:
        return st if st.want_since_s is None else OnOff(st.on, st.since_s, None)
    want_since = now_s if st.want_since_s is None else st.want_since_s
    delay, dwell = (on_delay_s, min_off_s) if want_on else (off_delay_s, min_on_s)
    if now_s - want_since >= delay and now_s - st.since_s >= dwell:
        return OnOff(want_on, now_s, None)
    return OnOff(st.on, st.since_s, want_since)


def hysteresis(on: bool, value: float | None, on_below: float, off_above: float) -> bool:
    """Two-point controller: switch on below ``on_below``, off above ``off_above``; None keeps it off."""
    if value is None:
        return False
    if value < on_below:
        return True
    if value > off_above:
        return False
    return on


@dataclass(frozen=True, slots=True)
class PumpGuard:
    """A relay-switched pump with its switching history [monotonic s] of the last 24 h."""

    on: bool = False
    switches_s: tuple[float, ...] = ()


def pump_step(
    st: PumpGuard,
    want_on: bool,
    now_s: float,
    min_interval_s: float,
    max_per_hour: int,
    max_per_day: int,
    force: bool = False,
) -> PumpGuard:
    """Switch a Wilo Stratos PICO plus on its relay within the maker's limits.

    Wilo allows at most 100 switchings per 24 h, 20 per hour and needs >= 1 min between switchings
    (Wilo-Stratos PICO plus installation instructions, via docs/HARDWARE.md § Pumps). A wanted
    change that would break a limit waits. ``force`` (safety) switches regardless.
    """
    past = st.switches_s
    # the common case: nothing has dropped out of the 24 h window since the last scan
    history = past if not past or now_s - min(past) < 86400.0 else tuple(t for t in past if now_s - t < 86400.0)
    if want_on == st.on:
        return st if len(history) == len(st.switches_s) else PumpGuard(st.on, history)
    allowed = force or (
        (not history or now_s - history[-1] >= min_interval_s)
        and sum(1 for t in history if now_s - t < 3600.0) < max_per_hour
        and len(history) < max_per_day
    )
    if not allowed:
        return PumpGuard(st.on, history)
    return PumpGuard(want_on, history + (now_s,))
