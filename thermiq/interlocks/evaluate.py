"""Evaluate the trip table over one frozen process image: latch trips, grant permits.

Pure: ``evaluate(image, state, table, good_scans_needed) -> (state, permits, events)``. Interlocks
constrain, they never actuate (style rule 2): the arbitration applies the permits to the requests.

Scopes: a row that names a miner (``TripSpec.miner``) belongs to that miner, every other row to
the plant. Each scope has its own first-out (the first of its rows to latch while none of them
was latched) and its own count of good scans (I15 start inhibit): a trip of miner m1 stops m1
and inhibits its restart, and leaves m2 running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from thermiq.config.schema import LimitsConfig
from thermiq.cycle.image import ProcessImage
from thermiq.interlocks.alarm import NORMAL, AlarmState, TripState, acknowledge, advance, reset
from thermiq.interlocks.trip_table import Compare, Effect, Reset, TripSpec, build_trip_table

_NORMAL_ALARM = AlarmState.NORMAL


@dataclass(frozen=True, slots=True)
class CompiledTrip:
    """A trip row with its numbers resolved from the site configuration.

    limit : trip limit in the unit of the signals (°C, K, W), a tuple for ``ALL_HIGH``, or None
    clear_below : a HIGH/DELTA_HIGH/ALL_HIGH cause clears this far below the limit (temperature
        limits: ``limits.clear_hysteresis_k``; other units: no hysteresis)
    delay_s : on-delay [s]
    cause : ``signals -> (active, cleared, value, immediate)``, built from the other fields once
        (:func:`compile_cause`)
    """

    spec: TripSpec
    limit: float | tuple[float, ...] | None
    clear_below: float | tuple[float, ...] | None
    delay_s: float = 0.0
    cause: Callable[[Mapping], tuple[bool, bool, float | None, bool]] = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.cause is None:
            object.__setattr__(self, "cause", compile_cause(self))


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


def compile_table(cfg, table: tuple[TripSpec, ...] | None = None) -> tuple[CompiledTrip, ...]:
    """Resolve every row's limit and delay once at start.

    ``cfg`` is the ThermiqConfig; ``table`` defaults to ``build_trip_table(cfg)`` (given only
    with a LimitsConfig for a validation-only call). Raises AttributeError naming an unknown
    limit or delay field.
    """
    limits = cfg if isinstance(cfg, LimitsConfig) else cfg.limits
    whole = None if isinstance(cfg, LimitsConfig) else cfg
    if table is None:
        table = build_trip_table(cfg)
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
    """What the interlocks allow this scan (True = allowed).

    miners : the plant lets miners run at all; ``miners_off`` names the miners held off by their
        own rows (latched, or their own start inhibit not yet passed)
    """

    miners: bool = False
    miners_off: frozenset[str] = frozenset()
    heat_pump: bool = True
    heating_pump: bool = True
    dhw_charge: bool = True
    force_miner_pump: bool = False
    trip_effects: frozenset[Effect] = frozenset()

    def miner(self, name: str) -> bool:
        """True when miner ``name`` may run."""
        return self.miners and name not in self.miners_off


@dataclass(frozen=True, slots=True)
class InterlockState:
    """Trip states by id (table order) and the counts of consecutive good scans (I15 start inhibit):
    ``good_scans`` for the plant, ``miner_good_scans`` per miner (its own rows)."""

    trips: Mapping[str, TripState] = field(default_factory=lambda: MappingProxyType({}))
    good_scans: int = 0
    miner_good_scans: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def latched(self) -> tuple[str, ...]:
        return tuple(k for k, t in self.trips.items() if t.alarm is not _NORMAL_ALARM)

    @property
    def first_outs(self) -> tuple[str, ...]:
        """Every trip that is the first-out of its scope (the plant, or one miner)."""
        return tuple(k for k, t in self.trips.items() if t.first_out and t.latched)

    @property
    def first_out(self) -> str | None:
        """The first-out of the whole site: the earliest scope first-out (table order on a tie)."""
        firsts = [
            (t.since_s if t.since_s is not None else float("inf"), i, k)
            for i, (k, t) in enumerate(self.trips.items())
            if t.first_out and t.latched
        ]
        return min(firsts)[2] if firsts else None


@dataclass(frozen=True, slots=True)
class TripEvent:
    """A change of one trip's alarm state (the shell logs and publishes these)."""

    trip_id: str
    old: AlarmState
    new: AlarmState
    value: float | None
    now_s: float


def compile_cause(row: CompiledTrip) -> Callable[[Mapping], tuple[bool, bool, float | None, bool]]:
    """The row's cause as one function of the frozen signals, built once per row.

    ``cause(signals) -> (active, cleared, value, immediate)``, where ``active`` means the cause
    holds now, ``cleared`` that it has gone with its hysteresis and every input is good,
    ``value`` is the cause value (or None) and ``immediate`` that the cause is a bad input
    signal, which trips without the row's on-delay (the delay is for the process condition, e.g.
    a valve's travel; an invalid input is never tolerated; ``BAD`` rows keep their delay: there
    badness is the process condition).

    A bad cause signal counts as active (and never as cleared) unless the row says otherwise
    (``bad_trips=False``: then bad signals are left out), whether or not the guard holds. A guard
    (at least one guard signal valid and True) that does not hold means the comparison does not
    apply; a ``BAD`` row (badness is its cause) is then inactive too.
    """
    spec = row.spec
    names, guard, cmp, bad_trips = spec.signals, spec.guard, spec.compare, spec.bad_trips
    limit, clear_below = row.limit, row.clear_below
    may_be_immediate = bad_trips and cmp is not Compare.BAD  # a bad input trips at once (see above)

    def guard_fails(get) -> bool:
        for n in guard:
            g = get(n)
            if g is not None and g.value is not None and g.value:
                return False
        return True

    def off_guard(n_bad: int, n: int) -> tuple[bool, bool, float | None, bool]:
        # the comparison does not apply; a bad cause signal still trips (a miner must not start
        # on a sensor it needs), except where badness itself is the cause (BAD rows)
        if n_bad and may_be_immediate and (cmp is not Compare.ALL_HIGH or n_bad == n):
            return True, False, None, True
        return False, True, None, False

    if cmp is Compare.HIGH:  # any signal >= limit; the value is the highest good one

        def cause(signals):
            get = signals.get
            top, n_bad = None, 0
            for n in names:
                s = get(n)
                if s is None or s.value is None:
                    n_bad += 1
                    continue
                v = float(s.value)
                if top is None or v > top:
                    top = v
            if guard and guard_fails(get):
                return off_guard(n_bad, len(names))
            trip_bad = n_bad > 0 and bad_trips
            active = trip_bad or (top is not None and top >= limit)
            cleared = not trip_bad and (top is None or top < clear_below)
            return active, cleared, top, active and may_be_immediate and n_bad > 0

    elif cmp is Compare.DELTA_HIGH or cmp is Compare.DELTA_LOW:  # a - b against the limit
        high = cmp is Compare.DELTA_HIGH

        def cause(signals):
            get = signals.get
            values = [get(n) for n in names]
            n_bad = 0
            for s in values:
                if s is None or s.value is None:
                    n_bad += 1
            if guard and guard_fails(get):
                return off_guard(n_bad, len(names))
            if n_bad:
                return bad_trips, not bad_trips, None, may_be_immediate
            delta = float(values[0].value) - float(values[1].value)
            if high:
                return delta >= limit, delta < clear_below, delta, False
            return delta < limit, delta >= limit, delta, False

    elif cmp is Compare.ALL_HIGH:  # every good signal >= its own limit; bad ones count as full
        # (signal, limit, clear) per signal; a signal beyond the limits only counts for badness and the value
        rows = tuple(
            (n, *((limit[i], clear_below[i]) if i < len(limit) else (None, None))) for i, n in enumerate(names)
        )

        def cause(signals):
            get = signals.get
            full, room, low_v, n_bad = True, False, None, 0
            for n, lim, low in rows:
                s = get(n)
                if s is None or s.value is None:
                    n_bad += 1
                    continue
                v = float(s.value)
                if lim is not None:
                    full = full and v >= lim
                    room = room or v < low
                if low_v is None or v < low_v:
                    low_v = v
            if guard and guard_fails(get):
                return off_guard(n_bad, len(names))
            return full, room, low_v, full and may_be_immediate and n_bad == len(names)

    else:  # FLAG (any signal True), CONTACT_OPEN (any contact False), BAD (any signal invalid)
        flag, contact = cmp is Compare.FLAG, cmp is Compare.CONTACT_OPEN

        def cause(signals):
            get = signals.get
            n_bad, hit = 0, False
            for n in names:
                s = get(n)
                if s is None or s.value is None:
                    n_bad += 1
                elif (flag and s.value) or (contact and not s.value):
                    hit = True
            if guard and guard_fails(get):
                return off_guard(n_bad, len(names))
            active = n_bad > 0 if not (flag or contact) else (n_bad > 0 and bad_trips) or hit
            return active, not active, None, active and may_be_immediate and n_bad > 0

    return cause


def evaluate(
    image: ProcessImage, st: InterlockState, table: tuple[CompiledTrip, ...], good_scans_needed: int
) -> tuple[InterlockState, Permits, tuple[TripEvent, ...]]:
    """Run every trip row over ``image``; latch, clear, record first-outs; derive the permits."""
    now_s = image.now_s
    signals = image.signals
    old_trips = st.trips
    first_given: set[str | None] = set()  # scopes with a latch
    latched_ids = [k for k, t in old_trips.items() if t.alarm is not _NORMAL_ALARM]
    if latched_ids:
        scope_of = {row.spec.id: row.spec.miner for row in table}
        first_given = {scope_of.get(k) for k in latched_ids}
    trips: dict[str, TripState] = {}
    events: list[TripEvent] = []
    good: dict[str | None, bool] = {None: True}  # scope -> no immediate cause, nothing latched
    effects: set[Effect] = set()
    miners_off: set[str] = set()
    for row in table:
        spec = row.spec
        tid, scope = spec.id, spec.miner
        if scope not in good:
            good[scope] = True
        old = old_trips.get(tid, NORMAL)
        active, cleared, value, immediate = row.cause(signals)
        if old is NORMAL and not active:  # most rows, most scans: nothing pending, nothing to do
            trips[tid] = NORMAL
            continue
        delay_s = 0.0 if immediate else row.delay_s
        # I15: a cause with an on-delay is tolerated while it is pending (e.g. a miner's telemetry
        # while Braiins OS boots); an immediate cause breaks the run of good scans of its scope.
        new = advance(old, active, cleared, now_s, delay_s, value)
        if spec.reset is Reset.HARDWARE and new.alarm is AlarmState.CLEARED_ACK:
            new = NORMAL  # a hardware trip's mirror clears with the hardware (after ack)
        latched = new.alarm is not _NORMAL_ALARM
        if old.alarm is _NORMAL_ALARM and latched and scope not in first_given:
            new = TripState(new.alarm, None, new.since_s, True, new.value)
            first_given.add(scope)
        if new.alarm is not old.alarm:
            events.append(TripEvent(tid, old.alarm, new.alarm, value, now_s))
        good[scope] = good[scope] and not (active and delay_s == 0.0) and not latched
        if latched:
            effects.update(spec.effects)
            if Effect.MINER_OFF in spec.effects and scope is not None:
                miners_off.add(scope)
        trips[tid] = new
    plant_good = st.good_scans + 1 if good.pop(None) else 0
    miner_good = {m: (st.miner_good_scans.get(m, 0) + 1 if ok else 0) for m, ok in good.items()}
    miners_off |= {m for m, n in miner_good.items() if n < good_scans_needed}
    permits = Permits(
        miners=Effect.MINERS_OFF not in effects and plant_good >= good_scans_needed,
        miners_off=frozenset(miners_off),
        heat_pump=Effect.HEAT_PUMP_BLOCK not in effects,
        heating_pump=Effect.HEATING_PUMP_OFF not in effects,
        dhw_charge=Effect.DHW_CHARGE_OFF not in effects,
        force_miner_pump=Effect.MINER_PUMP_RUN in effects,
        trip_effects=frozenset(effects),
    )
    cap = 1 << 30
    state = InterlockState(
        MappingProxyType(trips), min(plant_good, cap), MappingProxyType({m: min(n, cap) for m, n in miner_good.items()})
    )
    return state, permits, tuple(events)


def apply_safety_command(
    st: InterlockState, action: str, target: str, table: tuple[CompiledTrip, ...]
) -> tuple[InterlockState, list[tuple[str, str | None]]]:
    """Acknowledge or reset one trip (``target`` = trip id) or all latched ones (``"all"``).

    ``table``: the site's compiled trip table (reset rules). Returns the new state and per trip
    (id, refusal reason or None). Hardware trips refuse a reset. Unknown ids are refused.
    Nothing changes for refused trips.
    """
    specs = {row.spec.id: row.spec for row in table}
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
        if tid not in trips or tid not in specs:
            results.append((tid, f"unknown trip {tid!r}"))
            continue
        if action == "reset" and specs[tid].reset is Reset.HARDWARE:
            results.append((tid, "hardware trip: reset it at the safety relay in the cabinet"))
            continue
        new, reason = (acknowledge if action == "ack" else reset)(trips[tid])
        trips[tid] = new
        results.append((tid, reason))
    return replace(st, trips=MappingProxyType(trips)), results
