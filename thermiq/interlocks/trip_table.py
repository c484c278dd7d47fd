"""The trip table: every software interlock as data (cause, signals, limit, delay, effect, reset rule, hint).

``build_trip_table(cfg)`` builds the table of one site from its configured instances (every miner,
tank, heating circuit and valve gets its own rows; Klipper builds a heater per config section the
same way). The table is the one source for the interlock evaluation, the cause-and-effect matrix
in docs/SAFETY.md (``thermiq.interlocks.docs``) and the per-row tests. Limits and delays name a
field of ``LimitsConfig`` (or a dotted path into the site configuration, e.g.
``routing.valve_travel_s``); a trip never carries a number of its own. Row ids follow
docs/SOURCES.md S-ALARMS (I1..I15) with the instance name: ``I3_m1_delta_t_hh``.

Signals are I/O-list names taken from the site configuration, the runner's ``scan_timing_ok``,
or pseudo-signals derived each scan by ``thermiq.interlocks.derive`` and named
``<instance>.<quantity>`` (``m1.power_w``, ``m1.drawing_power``, ``m1.commanded_off``,
``m1.contactor_mismatch``, ``rv1.discrepancy``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Effect(str, Enum):
    """What a latched trip forces, whatever the controllers request."""

    MINERS_OFF = "miners_off"  #: every miner's contactor open + PauseMining over gRPC (SA-006)
    MINER_OFF = "miner_off"  #: the row's own miner (``TripSpec.miner``): contactor open + pause
    MINER_PUMP_RUN = "miner_pump_run"  #: keep the miner-loop pump running to carry residual heat away
    HEAT_PUMP_BLOCK = "heat_pump_block"  #: SG-Ready state 1 (EVU block)
    HEATING_PUMP_OFF = "heating_pump_off"  #: heating-circuit pumps off (flow over-temperature)
    DHW_CHARGE_OFF = "dhw_charge_off"  #: every routing valve to its default tank (no heat into the DHW tank)


#: runner-provided contact: False after repeated or far scan overruns (I12)
SCAN_TIMING = "scan_timing_ok"


class Compare(str, Enum):
    """How the cause is evaluated from its signals (a bad signal counts as active unless noted)."""

    HIGH = "high"  #: any signal >= limit
    CONTACT_OPEN = "contact_open"  #: any contact False
    DELTA_HIGH = "delta_high"  #: signals (a, b): a - b >= limit
    DELTA_LOW = "delta_low"  #: signals (a, b): a - b < limit
    ALL_HIGH = "all_high"  #: every signal >= its own limit (limit is a tuple, one per signal)
    FLAG = "flag"  #: any signal True (a derived discrepancy flag)
    BAD = "bad"  #: any signal invalid (stale, unreachable, faulted)


class Reset(str, Enum):
    """Who may clear a latched trip."""

    OPERATOR = "operator"  #: software reset (local or SA-002 remote) once cleared and acknowledged
    HARDWARE = "hardware"  #: mirrors a hardware trip; clears only when the hardware is reset


@dataclass(frozen=True, slots=True)
class TripSpec:
    """One row of the cause-and-effect matrix.

    limit : LimitsConfig field name (or tuple of names for ``ALL_HIGH``); None for contacts/flags
    delay_s : fixed on-delay [s]; ``delay`` (config field name) overrides it when given
    guard : signals of which at least one must be True for the cause to be evaluated (e.g. "the
        miner draws power"); a bad or False guard means the cause does not apply. Every guard
        signal is supervised by another row (documented in docs/SAFETY.md).
    bad_trips : a bad cause signal counts as active (fail-safe); False only where a bad signal
        is the expected state under the guard (a disconnected miner has no telemetry).
    ref : requirement ids this row implements (SA-xxx of the site specification, docs/SOURCES.md S-ALARMS)
    miner : the miner whose row this is (its effect ``MINER_OFF`` and its first-out are that
        miner's own); None for the plant-wide rows
    """

    id: str
    cause: str
    signals: tuple[str, ...]
    compare: Compare
    limit: str | tuple[str, ...] | None
    delay_s: float
    effects: frozenset[Effect]
    reset: Reset
    hint: str
    delay: str | None = None
    guard: tuple[str, ...] = ()
    bad_trips: bool = True
    ref: str = ""
    miner: str | None = None


_M = frozenset({Effect.MINERS_OFF, Effect.MINER_PUMP_RUN})
_OWN = frozenset({Effect.MINER_OFF, Effect.MINER_PUMP_RUN})
_OP = Reset.OPERATOR
_TANK_ROWS = {  # tank role -> (id prefix, limit, no-sink limit, effects, hint)
    "buffer": (
        "I5",
        "buffer_top_trip_c",
        "no_sink_buffer_top_c",
        _M | {Effect.HEAT_PUMP_BLOCK},
        "overcharged: let the heating circuits draw it down; check its setpoints",
    ),
    "dhw": (
        "I7",
        "dhw_trip_c",
        "no_sink_dhw_c",
        frozenset({Effect.DHW_CHARGE_OFF}),
        "too hot (scald risk): check the valve end positions and the hot-water setpoint",
    ),
}


def pseudo(instance: str, quantity: str) -> str:
    """Name of a pseudo-signal derived per instance (``thermiq.interlocks.derive``), e.g. ``m1.power_w``.

    The dot keeps it apart from every I/O-list name (piCtory names have no dots).
    """
    return f"{instance}.{quantity}"


def contactor_name(m) -> str:
    """How hints and docs name a miner's contactor: its tag (``contactor``) or else its coil output."""
    return m.contactor or m.contactor_output


def miner_rows(cfg, m) -> tuple[tuple[TripSpec, ...], tuple[TripSpec, ...]]:
    """The rows one miner owns: (temperature and flow rows, telemetry and contactor rows).

    Every row names the miner (``miner``), so its effect and first-out are its own: a trip of one
    miner opens that miner's contactor and pauses it, the others keep running.
    """
    n, k, loop = m.name, contactor_name(m), cfg.miner_loop
    ret, out = loop.return_temp_signal, m.outlet_temp_signal
    running = (pseudo(n, "drawing_power"),)
    temps = (
        TripSpec(
            f"I1_{n}_outlet_hh",
            f"Miner {n} cooling-water outlet temperature high-high",
            (out,),
            Compare.HIGH,
            "miner_outlet_trip_c",
            0.0,
            _OWN,
            _OP,
            f"Check the miner loop pump runs and the valve gives a path; check miner {n}'s heat exchanger; "
            "then ack and reset.",
            miner=n,
            ref="I1",
        ),
        TripSpec(
            f"I3_{n}_delta_t_hh",
            f"Miner {n} delta-T (outlet - loop return) high-high while it draws power",
            (out, ret),
            Compare.DELTA_HIGH,
            "miner_delta_t_max_k",
            0.0,
            _OWN,
            _OP,
            f"Too little flow through miner {n}'s heat exchanger: check the loop pump, air in the loop, strainer.",
            guard=running,
            miner=n,
            ref="I3, SA-001",
        ),
        TripSpec(
            f"I4_{n}_flow_not_proven",
            f"Miner {n} delta-T about 0 while it draws power (no flow proven or sensor stuck)",
            (out, ret),
            Compare.DELTA_LOW,
            "flow_min_delta_t_k",
            0.0,
            _OWN,
            _OP,
            f"No heat reaches {out}: check the loop pump runs, the sensor sits in its well, the valves are open.",
            delay="flow_proof_delay_s",
            guard=running,
            miner=n,
            ref="I4, SA-001",
        ),
    )
    power = (pseudo(n, "power_w"),)
    contactor = (
        TripSpec(
            f"I10_{n}_telemetry_lost",
            f"Miner {n} telemetry stale or unreachable while contactor {k} is closed",
            power,
            Compare.BAD,
            None,
            0.0,
            _OWN,
            _OP,
            f"Miner {n} does not answer on gRPC: check its network link and Braiins OS; contactor {k} was opened.",
            delay="miner_telemetry_grace_s",
            guard=(m.contactor_feedback,),
            miner=n,
            ref="I10",
        ),
        TripSpec(
            f"I11_{n}_still_powered",
            f"Miner {n} still draws power after pause and contactor-off",
            power,
            Compare.HIGH,
            "miner_off_power_w",
            0.0,
            _OWN,
            _OP,
            f"Contactor {k} welded or miner {n} fed from elsewhere: isolate it at the cabinet; check {k}.",
            delay="miner_stop_check_s",
            guard=(pseudo(n, "commanded_off"),),
            bad_trips=False,
            miner=n,
            ref="I11, SA-006",
        ),
        TripSpec(
            f"I11_{n}_contactor_feedback",
            f"Contactor {k} (miner {n}) auxiliary contact disagrees with its coil command",
            (pseudo(n, "contactor_mismatch"),),
            Compare.FLAG,
            None,
            0.0,
            _OWN,
            _OP,
            f"Check contactor {k} ({m.contactor_output} -> {m.contactor_feedback}), its coil fuse and the "
            "auxiliary-contact wiring to the DIO.",
            delay="contactor_feedback_s",
            miner=n,
            ref="I11",
        ),
    )
    return temps, contactor


def _valve_rows(cfg) -> tuple[TripSpec, ...]:
    """I9 per valve with end-position feedback; the effects follow what the valve routes."""
    rows = []
    for v in cfg.valves:
        if not (v.feedback_a or v.feedback_b):
            continue
        effects = {Effect.DHW_CHARGE_OFF}
        if cfg.miner_loop.valve == v.name:
            effects |= _M
        if cfg.heat_pump.valve == v.name:
            effects.add(Effect.HEAT_PUMP_BLOCK)
        what = f" ({v.label})" if v.label else ""
        rows.append(
            TripSpec(
                f"I9_{v.name}_discrepancy",
                f"Valve {v.name}{what} not at its commanded end position after the travel time",
                (pseudo(v.name, "discrepancy"),),
                Compare.FLAG,
                None,
                0.0,
                frozenset(effects),
                _OP,
                f"Valve {v.name} stuck or its end switch failed: check the actuator ({v.output}), its supply and end switches.",
                delay="routing.valve_travel_s",
                ref="I9, SA-008",
            )
        )
    return tuple(rows)


def build_trip_table(cfg) -> tuple[TripSpec, ...]:
    """The cause-and-effect matrix of one site, built from its configured instances.

    Rows (in evaluation order, which decides the first-out within one scan): I13 over the
    cabinet's safety-chain inputs; per miner I1; I2 (miner-loop supply); per miner I3 and I4; per
    tank I5 (role buffer) or I7 (role dhw); I6 per heating circuit; I9 per valve with feedback and
    the no-heat-sink row guarded by every miner's contactor; per miner I10 and I11 (power, contact);
    I12. Ids embed the instance names, so they are unique per site (the schema keeps names unique).
    """
    per_miner = [miner_rows(cfg, m) for m in cfg.miners]
    rows: list[TripSpec] = []
    chain = tuple(cfg.cabinet.safety_chain_inputs)
    if chain:
        rows.append(
            TripSpec(
                "I13_safety_chain",
                "Hardware safety chain open (safety relay, E-stop or an STB tripped)",
                chain,
                Compare.CONTACT_OPEN,
                None,
                0.0,
                _M | {Effect.HEAT_PUMP_BLOCK},
                Reset.HARDWARE,
                "Find the tripped STB/E-stop in the cabinet, let it cool, reset it by hand; software cannot reset this.",
                ref="I13",
            )
        )
    rows += [temps[0] for temps, _ in per_miner]
    rows.append(
        TripSpec(
            "I2_miner_loop_supply_hh",
            "Miner-loop supply temperature high-high (no heat sink)",
            (cfg.miner_loop.supply_temp_signal,),
            Compare.HIGH,
            "miner_loop_supply_trip_c",
            0.0,
            _M,
            _OP,
            f"The miner loop has nowhere to put its heat: check tank temperatures, the valves and pump {cfg.miner_loop.pump}.",
            ref="I2",
        )
    )
    rows += [r for temps, _ in per_miner for r in temps[1:]]
    for t in cfg.tanks:
        prefix, limit, _, effects, hint = _TANK_ROWS[t.role]
        label = t.label or t.name
        rows.append(
            TripSpec(
                f"{prefix}_{t.name}_top_hh" if t.role == "buffer" else f"{prefix}_{t.name}_hh",
                f"{label[0].upper()}{label[1:]} top temperature high-high",
                (t.top_temp_signal,),
                Compare.HIGH,
                limit,
                0.0,
                effects,
                _OP,
                f"{label[0].upper()}{label[1:]} {hint}.",
                ref=prefix,
            )
        )
    for c in cfg.heating_circuits:
        rows.append(
            TripSpec(
                f"I6_{c.name}_flow_hh",
                f"Heating circuit {c.name} flow temperature high-high",
                (c.flow_temp_signal,),
                Compare.HIGH,
                "heating_flow_trip_c",
                0.0,
                frozenset({Effect.HEATING_PUMP_OFF}),
                _OP,
                f"Flow of {c.name} too hot for the emitters: check the {c.source_tank} temperature and the heating curve.",
                ref="I6",
            )
        )
    rows += _valve_rows(cfg)
    rows.append(
        TripSpec(
            "I9_no_heat_sink",
            "Every tank full while a miner contactor is closed (no open path for the heat)",
            tuple(t.top_temp_signal for t in cfg.tanks),
            Compare.ALL_HIGH,
            tuple(_TANK_ROWS[t.role][2] for t in cfg.tanks),
            0.0,
            _M,
            _OP,
            "Nowhere to put the miners' heat: the controller should have stopped them; check setpoints and the heating circuit.",
            delay="no_sink_delay_s",
            guard=tuple(m.contactor_feedback for m in cfg.miners),
            ref="I9, SA-008",
        )
    )
    rows += [r for _, contactor in per_miner for r in contactor]
    rows.append(
        TripSpec(
            "I12_scan_timing",
            "Scan cycle overran repeatedly or once by far (controller not keeping time)",
            (SCAN_TIMING,),
            Compare.CONTACT_OPEN,
            None,
            0.0,
            _M | {Effect.HEAT_PUMP_BLOCK},
            _OP,
            "Look at the scan statistics and the journal for what stalled the controller; then ack and reset.",
            ref="I12",
        )
    )
    return tuple(rows)


def trips_by_id(table: tuple[TripSpec, ...]) -> dict[str, TripSpec]:
    """Rows of ``table`` by id."""
    return {t.id: t for t in table}


@dataclass(frozen=True, slots=True)
class Note:
    """An interlock of docs/SOURCES.md S-ALARMS that is not a latched row of the table, and where it lives."""

    id: str
    cause: str
    handling: str


NOTES: tuple[Note, ...] = (
    Note(
        "I2_derate",
        "Miner-loop supply high (before high-high): derate via SetPowerTarget",
        "Not a trip. The miner controller follows the heat sink; the high-high trip is I2.",
    ),
    Note(
        "I8",
        "A sensor feeding I1-I7/I9 is bad (stale, RTD status, open/short, range, NE 43, rate of change, stuck)",
        "thermiq.interlocks.quality marks the signal invalid; every row treats an invalid cause signal as active, "
        "so the row's own effect follows (fail-safe, docs/SOURCES.md S-ALARMS).",
    ),
    Note(
        "I14",
        "Remote link or broker lost",
        "Not a trip. Remote setpoints hold a lease and fall back to the local defaults (thermiq.commands.store); "
        "local control and all interlocks are unaffected.",
    ),
    Note(
        "I15",
        "Boot / restart",
        "Miners are inhibited until scan.good_scans_before_start consecutive scans without an active cause "
        "or latch of the plant-wide rows, and each miner until as many scans without one of its own rows; "
        "latched trips are restored from the latch file (thermiq.cycle.latches); a corrupt file restores every trip latched.",
    ),
)
