"""Evaluate the trip table over one frozen process image: latch trips, grant permits.

Pure: ``evaluate(image, state, table, now_s) -> (state, permits, events)``. Interlocks constrain,
they never actuate (style rule 2): the arbitration applies the permits to the requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from thermiq.config.schema import LimitsConfig
from thermiq.cycle.image import ProcessImage
from thermiq.interlocks.alarm import NORMAL, AlarmState, TripState, acknowledge, advance, reset
from thermiq.interlocks.trip_table import TRIP_TABLE, Compare, Effect, Reset, TripSpec


@dataclass(frozen=True, slots=True)
class CompiledTrip:
    """A trip row with its limit resolved from the site configuration [°C]."""

    spec: TripSpec
    limit: float | None
    clear_below: float | None


def compile_table(limits: LimitsConfig, table: tuple[TripSpec, ...] = TRIP_TABLE) -> tuple[CompiledTrip, ...]:
    """Resolve every row's limit once at start (raises AttributeError for an unknown limit name)."""
    rows = []
    for spec in table:
        limit = None if spec.limit is None else float(getattr(limits, spec.limit))
        clear = None if limit is None else limit - limits.clear_hysteresis_k
        rows.append(CompiledTrip(spec, limit, clear))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class Permits:
    """What the interlocks allow this scan (True = allowed)."""

    miners: bool = False
    heat_pump: bool = True
    heating_pump: bool = True
    dhw_charge: bool = True
    force_miner_pump: bool = False
    trip_effects: frozenset[Effect] = frozenset()


@dataclass(frozen=True, slots=True)
class InterlockState:
    """Trip states by id (table order) and the count of consecutive good scans (I15 start inhibit)."""

    trips: Mapping[str, TripState] = field(default_factory=lambda: MappingProxyType({}))
    good_scans: int = 0

    @property
    def latched(self) -> tuple[str, ...]:
        return tuple(k for k, t in self.trips.items() if t.latched)

    @property
    def first_out(self) -> str | None:
        return next((k for k, t in self.trips.items() if t.first_out), None)


@dataclass(frozen=True, slots=True)
class TripEvent:
    """A change of one trip's alarm state (the shell logs and publishes these)."""

    trip_id: str
    old: AlarmState
    new: AlarmState
    value: float | None
    now_s: float


def _cause(row: CompiledTrip, signals) -> tuple[bool, bool, float | None]:
    """(active, cleared, value) of one row over the frozen signals."""
    values = [signals.get(name) for name in row.spec.signals]
    bad = any(s is None or s.value is None for s in values)
    if row.spec.compare is Compare.HIGH:
        good = [s.value for s in values if s is not None and s.value is not None]
        top = max(good) if good else None
        active = bad or (top is not None and top >= row.limit)
        cleared = not bad and top is not None and top < row.clear_below
        return active, cleared, top
    # CONTACT_OPEN
    open_ = bad or any(not s.value for s in values)
    return open_, not open_, None


def evaluate(image: ProcessImage, st: InterlockState, table: tuple[CompiledTrip, ...],
             good_scans_needed: int) -> tuple[InterlockState, Permits, tuple[TripEvent, ...]]:
    """Run every trip row over ``image``; latch, clear, record first-out; derive the permits."""
    now_s = image.now_s
    any_latched_before = any(t.latched for t in st.trips.values())
    trips: dict[str, TripState] = {}
    events: list[TripEvent] = []
    all_good = True
    first_out_given = any_latched_before
    effects: set[Effect] = set()
    for row in table:
        tid = row.spec.id
        old = st.trips.get(tid, NORMAL)
        active, cleared, value = _cause(row, image.signals)
        all_good = all_good and not active
        new = advance(old, active, cleared, now_s, row.spec.delay_s, value)
        if row.spec.reset is Reset.HARDWARE and new.alarm is AlarmState.CLEARED_ACK:
            new = NORMAL          # a hardware trip's mirror clears with the hardware (after ack)
        if not old.latched and new.latched and not first_out_given:
            new = TripState(new.alarm, None, new.since_s, True, new.value)
            first_out_given = True
        if new.alarm is not old.alarm:
            events.append(TripEvent(tid, old.alarm, new.alarm, value, now_s))
        if new.latched:
            effects.update(row.spec.effects)
        trips[tid] = new
    good = st.good_scans + 1 if all_good and not effects else 0
    permits = Permits(
        miners=Effect.MINERS_OFF not in effects and good >= good_scans_needed,
        heat_pump=Effect.HEAT_PUMP_BLOCK not in effects,
        heating_pump=Effect.HEATING_PUMP_OFF not in effects,
        dhw_charge=Effect.DHW_CHARGE_OFF not in effects,
        force_miner_pump=Effect.MINER_PUMP_RUN in effects,
        trip_effects=frozenset(effects),
    )
    return InterlockState(MappingProxyType(trips), min(good, 1 << 30)), permits, tuple(events)


def apply_safety_command(st: InterlockState, action: str, target: str) -> tuple[InterlockState, list[tuple[str, str | None]]]:
    """Acknowledge or reset one trip (``target`` = trip id) or all latched ones (``"all"``).

    Returns the new state and per trip (id, refusal reason or None). Hardware trips refuse a reset.
    Unknown ids are refused. Nothing changes for refused trips.
    """
    if action not in ("ack", "reset"):
        return st, [(target, f"unknown action {action!r}")]
    ids = [k for k, t in st.trips.items() if t.latched] if target == "all" else [target]
    if not ids:
        return st, [(target, "no latched trip")]
    from thermiq.interlocks.trip_table import TRIPS_BY_ID
    trips = dict(st.trips)
    results = []
    for tid in ids:
        if tid not in trips or tid not in TRIPS_BY_ID:
            results.append((tid, f"unknown trip {tid!r}"))
            continue
        if action == "reset" and TRIPS_BY_ID[tid].reset is Reset.HARDWARE:
            results.append((tid, "hardware trip: reset it at the safety relay in the cabinet"))
            continue
        new, reason = (acknowledge if action == "ack" else reset)(trips[tid])
        trips[tid] = new
        results.append((tid, reason))
    return InterlockState(MappingProxyType(trips), st.good_scans), results
