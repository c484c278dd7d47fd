"""The trip table: every software interlock as data (cause, signals, limit, delay, effect, reset rule, hint).

This table is the one source for the interlock evaluation, the cause-and-effect matrix in
docs/SAFETY.md (``thermiq.interlocks.docs``) and the per-row tests. Limits and delays name a field
of ``LimitsConfig`` (or a dotted path into the site configuration, e.g. ``routing.valve_travel_s``);
a trip never carries a number of its own. Row ids follow reference/safety.md §6 (I1..I15).

Signals are I/O-list names, the runner's ``scan_timing_ok``, or pseudo-signals derived each scan
by ``thermiq.interlocks.derive`` (``miner<i>_power_w``, ``miner<i>_drawing_power``,
``miner<i>_commanded_off``, ``miner<i>_contactor_mismatch``, ``rv<j>_discrepancy``; ``<i>`` is the
1-based position of the miner in the site configuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Effect(str, Enum):
    """What a latched trip forces, whatever the controllers request."""

    MINERS_OFF = "miners_off"            #: contactors K1/K2 open + PauseMining over gRPC (SA-006)
    MINER_PUMP_RUN = "miner_pump_run"    #: keep P3 running to carry the miners' residual heat away
    HEAT_PUMP_BLOCK = "heat_pump_block"  #: SG-Ready state 1 (EVU block)
    HEATING_PUMP_OFF = "heating_pump_off"  #: P5 off (heating circuit over-temperature)
    DHW_CHARGE_OFF = "dhw_charge_off"    #: RV1 and RV2 to the buffer (no heat into the DHW tank)


class Compare(str, Enum):
    """How the cause is evaluated from its signals (a bad signal counts as active unless noted)."""

    HIGH = "high"                  #: any signal >= limit
    CONTACT_OPEN = "contact_open"  #: any contact False
    DELTA_HIGH = "delta_high"      #: signals (a, b): a - b >= limit
    DELTA_LOW = "delta_low"        #: signals (a, b): a - b < limit
    ALL_HIGH = "all_high"          #: every signal >= its own limit (limit is a tuple, one per signal)
    FLAG = "flag"                  #: any signal True (a derived discrepancy flag)
    BAD = "bad"                    #: any signal invalid (stale, unreachable, faulted)


class Reset(str, Enum):
    """Who may clear a latched trip."""

    OPERATOR = "operator"   #: software reset (local or SA-002 remote) once cleared and acknowledged
    HARDWARE = "hardware"   #: mirrors a hardware trip; clears only when the hardware is reset


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
    ref : requirement ids this row implements (SA-xxx of the site specification, safety.md §6)
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


_M = frozenset({Effect.MINERS_OFF, Effect.MINER_PUMP_RUN})
_OP = Reset.OPERATOR


def _per_miner(i: int) -> tuple[TripSpec, ...]:
    """The rows that exist once per miner (``i`` = 1-based position in the site configuration)."""
    m, k = f"miner{i}", f"k{i}_miner{i}_closed"
    return (
        TripSpec(f"I3_{m}_delta_t_hh", f"Miner {i} delta-T (outlet - loop return) high-high while it draws power",
                 (f"{m}_outlet_temp_c", "miner_loop_return_temp_c"), Compare.DELTA_HIGH, "miner_delta_t_max_k", 0.0,
                 _M, _OP, "Too little flow through the miner's heat exchanger: check P3, air in the loop, strainer.",
                 guard=(f"{m}_drawing_power",), ref="I3, SA-001"),
        TripSpec(f"I4_{m}_flow_not_proven", f"Miner {i} delta-T about 0 while it draws power (no flow proven or sensor stuck)",
                 (f"{m}_outlet_temp_c", "miner_loop_return_temp_c"), Compare.DELTA_LOW, "flow_min_delta_t_k", 0.0,
                 _M, _OP, "No heat reaches the outlet sensor: check P3 runs, the sensor sits in its well, the valves are open.",
                 delay="flow_proof_delay_s", guard=(f"{m}_drawing_power",), ref="I4, SA-001"),
        TripSpec(f"I10_{m}_telemetry_lost", f"Miner {i} telemetry stale or unreachable while contactor K{i} is closed",
                 (f"{m}_power_w",), Compare.BAD, None, 0.0,
                 _M, _OP, "The miner does not answer on gRPC: check its network link and Braiins OS; the contactor was opened.",
                 delay="miner_telemetry_grace_s", guard=(k,), ref="I10"),
        TripSpec(f"I11_{m}_still_powered", f"Miner {i} still draws power after pause and contactor-off",
                 (f"{m}_power_w",), Compare.HIGH, "miner_off_power_w", 0.0,
                 _M, _OP, "Contactor welded or miner fed from elsewhere: isolate it at the cabinet; check K1/K2.",
                 delay="miner_stop_check_s", guard=(f"{m}_commanded_off",), bad_trips=False, ref="I11, SA-006"),
        TripSpec(f"I11_k{i}_feedback", f"Contactor K{i} auxiliary contact disagrees with its coil command",
                 (f"{m}_contactor_mismatch",), Compare.FLAG, None, 0.0,
                 _M, _OP, f"Check contactor K{i}, its coil fuse and the auxiliary-contact wiring to the DIO.",
                 delay="contactor_feedback_s", ref="I11"),
    )


TRIP_TABLE: tuple[TripSpec, ...] = (
    TripSpec("I13_safety_chain", "Hardware safety chain open (safety relay, E-stop or an STB tripped)",
             ("safety_chain_ok", "miner_loop_stb_ok", "buffer_stb_ok"), Compare.CONTACT_OPEN, None, 0.0,
             _M | {Effect.HEAT_PUMP_BLOCK}, Reset.HARDWARE,
             "Find the tripped STB/E-stop in the cabinet, let it cool, reset it by hand; software cannot reset this.",
             ref="I13"),
    TripSpec("I1_miner_outlet_hh", "Miner cooling-water outlet temperature high-high",
             ("miner1_outlet_temp_c", "miner2_outlet_temp_c"), Compare.HIGH, "miner_outlet_trip_c", 0.0,
             _M, _OP,
             "Check P3 runs and RV1 gives a path; check the plate heat exchanger; then ack and reset.", ref="I1"),
    TripSpec("I2_miner_loop_supply_hh", "Miner-loop supply temperature high-high (no heat sink)",
             ("miner_loop_supply_temp_c",), Compare.HIGH, "miner_loop_supply_trip_c", 0.0,
             _M, _OP,
             "The miner loop has nowhere to put its heat: check tank temperatures, RV1 and P3.", ref="I2"),
    *_per_miner(1)[:2], *_per_miner(2)[:2],
    TripSpec("I5_buffer_top_hh", "Buffer tank top temperature high-high",
             ("buffer_top_temp_c",), Compare.HIGH, "buffer_top_trip_c", 0.0,
             _M | {Effect.HEAT_PUMP_BLOCK}, _OP,
             "Buffer is overcharged: let the heating circuit draw it down; check buffer setpoints.", ref="I5"),
    TripSpec("I6_heating_flow_hh", "Heating-circuit flow temperature high-high",
             ("heating_flow_temp_c",), Compare.HIGH, "heating_flow_trip_c", 0.0,
             frozenset({Effect.HEATING_PUMP_OFF}), _OP,
             "Flow too hot for the emitters: check the buffer temperature and the heating curve.", ref="I6"),
    TripSpec("I7_dhw_hh", "Hot-water tank temperature high-high",
             ("dhw_temp_c",), Compare.HIGH, "dhw_trip_c", 0.0,
             frozenset({Effect.DHW_CHARGE_OFF}), _OP,
             "Hot water too hot (scald risk): check RV1/RV2 end positions and the DHW setpoint.", ref="I7"),
    TripSpec("I9_rv1_discrepancy", "RV1 (miner heat) not at its commanded end position after the travel time",
             ("rv1_discrepancy",), Compare.FLAG, None, 0.0,
             _M | {Effect.DHW_CHARGE_OFF}, _OP,
             "RV1 stuck or its end switch failed: check the Belimo actuator, its supply and end switches.",
             delay="routing.valve_travel_s", ref="I9, SA-008"),
    TripSpec("I9_rv2_discrepancy", "RV2 (heat-pump flow) not at its commanded end position after the travel time",
             ("rv2_discrepancy",), Compare.FLAG, None, 0.0,
             frozenset({Effect.HEAT_PUMP_BLOCK, Effect.DHW_CHARGE_OFF}), _OP,
             "RV2 stuck or its end switch failed: check the Belimo actuator, its supply and end switches.",
             delay="routing.valve_travel_s", ref="I9, SA-008"),
    TripSpec("I9_no_heat_sink", "Both tanks full while a miner contactor is closed (no open path for the heat)",
             ("buffer_top_temp_c", "dhw_temp_c"), Compare.ALL_HIGH, ("no_sink_buffer_top_c", "no_sink_dhw_c"), 0.0,
             _M, _OP,
             "Nowhere to put the miners' heat: the controller should have stopped them; check setpoints and the heating circuit.",
             delay="no_sink_delay_s", guard=("k1_miner1_closed", "k2_miner2_closed"), ref="I9, SA-008"),
    *_per_miner(1)[2:], *_per_miner(2)[2:],
    TripSpec("I12_scan_timing", "Scan cycle overran repeatedly or once by far (controller not keeping time)",
             ("scan_timing_ok",), Compare.CONTACT_OPEN, None, 0.0,
             _M | {Effect.HEAT_PUMP_BLOCK}, _OP,
             "Look at the scan statistics and the journal for what stalled the controller; then ack and reset.",
             ref="I12"),
)

TRIPS_BY_ID = {t.id: t for t in TRIP_TABLE}


@dataclass(frozen=True, slots=True)
class Note:
    """An interlock of safety.md §6 that is not a latched row of the table, and where it lives."""

    id: str
    cause: str
    handling: str


NOTES: tuple[Note, ...] = (
    Note("I2_derate", "Miner-loop supply high (before high-high): derate via SetPowerTarget",
         "Not a trip. The miner controller follows the heat sink; the high-high trip is I2."),
    Note("I8", "A sensor feeding I1-I7/I9 is bad (stale, RTD status, open/short, range, NE 43, rate of change, stuck)",
         "thermiq.interlocks.quality marks the signal invalid; every row treats an invalid cause signal as active, "
         "so the row's own effect follows (fail-safe, safety.md §3.3 rule 2)."),
    Note("I14", "Remote link or broker lost",
         "Not a trip. Remote setpoints hold a lease and fall back to the local defaults (thermiq.commands.store); "
         "local control and all interlocks are unaffected."),
    Note("I15", "Boot / restart",
         "Miners are inhibited until scan.good_scans_before_start consecutive scans without an active cause; "
         "latched trips are restored from the latch file (thermiq.cycle.latches); a corrupt file restores every trip latched."),
)
