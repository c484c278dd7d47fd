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
from thermiq.interlocks.trip_table import TRIP_TABLE, TRIPS_BY_ID, Compare, Effect, Reset, TripSpec


@dataclass(frozen=True, slots=True)
class CompiledTrip:
    """A trip row with its numbers resolved from the site configuration.

    limit : trip limit in the unit of the signals (°C, K, W), a tuple for ``ALL_HIGH``, or None
    clear_below : a HIGH/DELTA_HIGH/ALL_HIGH cause clears this far below the limit (temperature
        limits: ``limits.clear_hysteresis_k``; other units: no hysteresis)
    delay_s : on-delay [s]
    """

    spec: TripSpec
    limit: float | tuple[float, ...] | None
    clear_below: float | tuple[float, ...] | None
    delay_s: float = 0.0


def _lookup(cfg, limits: LimitsConfig, name: str) -> float:
    """A number of the site configuration: a LimitsConfig field or a dotted path ("routing.valve_travel_s")."""
    if "." not in name:
        return float(getattr(limits, name))
    parts = name.split(".")
    if cfg is None:
        # Only the limits were given (a validation-only call): take the schema default of the
        # section, so a misspelt name still fails. Core.build always passes the whole config.
        from thermiq.config.schema import ThermiqConfig
        field_info = ThermiqConfig.model_fields.get(parts[0])
        if field_info is None:
            raise AttributeError(f"no configuration section {parts[0]!r}")
        obj = field_info.default
        parts = parts[1:]
    else:
        obj = cfg
    for part in parts:
        obj = getattr(obj, part)
    return float(obj)


def compile_table(cfg, table: tuple[TripSpec, ...] = TRIP_TABLE) -> tuple[CompiledTrip, ...]:
    """Resolve every row's limit and delay once at start.

    ``cfg`` is the ThermiqConfig (or only its LimitsConfig when no row needs another section).
    Raises AttributeError naming an unknown limit or delay field.
    """
    limits = cfg if isinstance(cfg, LimitsConfig) else cfg.limits
    whole = None if isinstance(cfg, LimitsConfig) else cfg
    rows = []
    for spec in table:
        try:
            delay = spec.delay_s if spec.delay is None else _lookup(whole, limits, spec.delay)
            if spec.limit is None:
                limit = clear = None
            else:
                names = spec.limit if isinstance(spec.limit, tuple) else (spec.limit,)
                vals = tuple(_lookup(whole, limits, n) for n in names)
                hyst = tuple(limits.clear_hysteresis_k if n.endswith(("_c", "_k")) else 0.0 for n in names)
                lows = tuple(v - h for v, h in zip(vals, hyst))
                limit, clear = (vals, lows) if isinstance(spec.limit, tuple) else (vals[0], lows[0])
        except AttributeError as err:
            raise AttributeError(f"trip {spec.id}: unknown configuration value ({err})") from None
        rows.append(CompiledTrip(spec, limit, clear, delay))
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


def _guard_holds(row: CompiledTrip, signals) -> bool:
    """True when the row has no guard or at least one guard signal is valid and True."""
    if not row.spec.guard:
        return True
    return any((g := signals.get(n)) is not None and g.value is not None and bool(g.value) for n in row.spec.guard)


def _compare(row: CompiledTrip, signals) -> tuple[bool, bool, float | None]:
    """(active, cleared, value) of one row over the frozen signals (see ``_cause``).

    A bad cause signal counts as active (and never as cleared) unless the row says otherwise
    (``bad_trips=False``: then bad signals are left out), whether or not the guard holds. A guard
    that does not hold means the comparison does not apply; a ``BAD`` row (badness is its cause)
    is then inactive too.
    """
    spec = row.spec
    values = [signals.get(name) for name in spec.signals]
    bad_mask = [s is None or s.value is None for s in values]
    bad = any(bad_mask)
    trip_bad = bad and spec.bad_trips
    cmp = spec.compare
    if not _guard_holds(row, signals):
        # the comparison does not apply; a bad cause signal still trips (a miner must not start
        # on a sensor it needs), except where badness itself is the cause (BAD rows)
        if trip_bad and cmp is not Compare.BAD and (cmp is not Compare.ALL_HIGH or all(bad_mask)):
            return True, False, None
        return False, True, None
    if cmp is Compare.HIGH:
        good = [float(s.value) for s, b in zip(values, bad_mask) if not b]
        top = max(good) if good else None
        active = trip_bad or (top is not None and top >= row.limit)
        cleared = not trip_bad and (top is None or top < row.clear_below)
        return active, cleared, top
    if cmp in (Compare.DELTA_HIGH, Compare.DELTA_LOW):
        if bad:
            return trip_bad, not trip_bad, None
        delta = float(values[0].value) - float(values[1].value)
        if cmp is Compare.DELTA_HIGH:
            return delta >= row.limit, delta < row.clear_below, delta
        return delta < row.limit, delta >= row.limit, delta
    if cmp is Compare.ALL_HIGH:
        full = [b or float(s.value) >= lim for s, b, lim in zip(values, bad_mask, row.limit)]
        room = [not b and float(s.value) < low for s, b, low in zip(values, bad_mask, row.clear_below)]
        good = [float(s.value) for s, b in zip(values, bad_mask) if not b]
        return all(full), any(room), (min(good) if good else None)
    if cmp is Compare.FLAG:
        active = trip_bad or any(not b and bool(s.value) for s, b in zip(values, bad_mask))
        return active, not active, None
    if cmp is Compare.BAD:
        return bad, not bad, None
    # CONTACT_OPEN
    open_ = trip_bad or any(not b and not s.value for s, b in zip(values, bad_mask))
    return open_, not open_, None


def _cause(row: CompiledTrip, signals) -> tuple[bool, bool, float | None, bool]:
    """(active, cleared, value, immediate) of one row.

    ``immediate``: the cause is a bad input signal, which trips without the row's on-delay (the
    delay is for the process condition, e.g. a valve's travel; an invalid input is never
    tolerated). ``BAD`` rows keep their delay: there badness is the process condition.
    """
    active, cleared, value = _compare(row, signals)
    spec = row.spec
    if not (active and spec.bad_trips and spec.compare is not Compare.BAD):
        return active, cleared, value, False   # most rows, most scans: no need to look at badness
    bad = [(s := signals.get(n)) is None or s.value is None for n in spec.signals]
    return active, cleared, value, (all(bad) if spec.compare is Compare.ALL_HIGH else any(bad))


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
        active, cleared, value, immediate = _cause(row, image.signals)
        delay_s = 0.0 if immediate else row.delay_s
        # I15: a cause with an on-delay is tolerated while it is pending (e.g. a miner's telemetry
        # while Braiins OS boots); an immediate cause breaks the run of good scans.
        all_good = all_good and not (active and delay_s == 0.0)
        new = advance(old, active, cleared, now_s, delay_s, value)
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
        return st, [(str(target), f"unknown action {action!r}")]
    if not isinstance(target, str) or not target:
        return st, [(str(target), "target must be a trip id or 'all'")]
    ids = [k for k, t in st.trips.items() if t.latched] if target == "all" else [target]
    if not ids:
        return st, [(target, "no latched trip")]
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
