"""Alarm states after ISA-18.2 / IEC 62682 for latched trips, with operator acknowledge and reset.

States (docs/SOURCES.md S-ALARMS)::

    NORMAL --cause--> ACTIVE_UNACK --ack--> ACTIVE_ACK
                          |clears             |clears
                          v                   v
                     CLEARED_UNACK --ack--> CLEARED_ACK --reset--> NORMAL

A trip is latched in every state but NORMAL. A cause that returns puts the alarm back to
ACTIVE_UNACK. A reset is accepted only in CLEARED_ACK (OPC UA Part 9 §5.8.4: an alarm "must have
been in Alarm, and returned to normal and have been acknowledged prior to being reset").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class AlarmState(str, Enum):
    NORMAL = "normal"
    ACTIVE_UNACK = "active_unack"
    ACTIVE_ACK = "active_ack"
    CLEARED_UNACK = "cleared_unack"
    CLEARED_ACK = "cleared_ack"


@dataclass(frozen=True, slots=True)
class TripState:
    """Alarm state of one trip. Times are monotonic [s]; ``value`` is the cause value at the trip."""

    alarm: AlarmState = AlarmState.NORMAL
    pending_since_s: float | None = None
    since_s: float | None = None
    first_out: bool = False
    value: float | None = None

    @property
    def latched(self) -> bool:
        return self.alarm is not AlarmState.NORMAL


NORMAL = TripState()


def advance(st: TripState, active: bool, cleared: bool, now_s: float, delay_s: float, value: float | None) -> TripState:
    """One scan of one trip: latch after the on-delay, move to CLEARED_* when the cause has cleared.

    ``active``: the cause holds now (a bad input counts as active). ``cleared``: the cause has
    gone with its hysteresis and all inputs are good. Raising a temperature can only make
    ``active`` true, so it never moves a trip towards NORMAL.
    """
    if active:
        if st.alarm is AlarmState.NORMAL:
            since = now_s if st.pending_since_s is None else st.pending_since_s
            if now_s - since >= delay_s:
                return TripState(AlarmState.ACTIVE_UNACK, None, now_s, False, value)
            return replace(st, pending_since_s=since)
        if st.alarm in (AlarmState.CLEARED_UNACK, AlarmState.CLEARED_ACK):
            return replace(st, alarm=AlarmState.ACTIVE_UNACK, value=value)
        return st
    if st.alarm is AlarmState.NORMAL:
        return st if st.pending_since_s is None else NORMAL
    if cleared and st.alarm is AlarmState.ACTIVE_UNACK:
        return replace(st, alarm=AlarmState.CLEARED_UNACK)
    if cleared and st.alarm is AlarmState.ACTIVE_ACK:
        return replace(st, alarm=AlarmState.CLEARED_ACK)
    return st


def acknowledge(st: TripState) -> tuple[TripState, str | None]:
    """Operator acknowledge; returns the new state and None, or the old state and a refusal reason."""
    if st.alarm is AlarmState.ACTIVE_UNACK:
        return replace(st, alarm=AlarmState.ACTIVE_ACK), None
    if st.alarm is AlarmState.CLEARED_UNACK:
        return replace(st, alarm=AlarmState.CLEARED_ACK), None
    return st, f"nothing to acknowledge (state {st.alarm.value})"


def reset(st: TripState) -> tuple[TripState, str | None]:
    """Operator reset of a software latch: only from CLEARED_ACK."""
    if st.alarm is AlarmState.CLEARED_ACK:
        return NORMAL, None
    reasons = {
        AlarmState.NORMAL: "not latched",
        AlarmState.ACTIVE_UNACK: "cause still active and not acknowledged",
        AlarmState.ACTIVE_ACK: "cause still active",
        AlarmState.CLEARED_UNACK: "not acknowledged",
    }
    return st, reasons[st.alarm]
