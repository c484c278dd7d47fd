"""The trip table: every software interlock as data (cause, signals, limit, delay, effect, reset rule, hint).

This table is the one source for the interlock evaluation, the cause-and-effect matrix in
docs/SAFETY.md, and the per-row tests. Limits name a field of ``LimitsConfig`` (site config); a
trip never carries a number of its own. Row ids follow reference/safety.md §6 (I1..I15).
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
    """How the cause is evaluated from its signals."""

    HIGH = "high"                #: any signal >= limit (bad signal = active)
    CONTACT_OPEN = "contact_open"  #: any contact False (bad = active)


class Reset(str, Enum):
    """Who may clear a latched trip."""

    OPERATOR = "operator"   #: software reset (local or SA-002 remote) once cleared and acknowledged
    HARDWARE = "hardware"   #: mirrors a hardware trip; clears only when the hardware is reset


@dataclass(frozen=True, slots=True)
class TripSpec:
    """One row of the cause-and-effect matrix."""

    id: str
    cause: str
    signals: tuple[str, ...]
    compare: Compare
    limit: str | None            #: LimitsConfig field name with the trip limit [°C]
    delay_s: float
    effects: frozenset[Effect]
    reset: Reset
    hint: str


_M = frozenset({Effect.MINERS_OFF, Effect.MINER_PUMP_RUN})

TRIP_TABLE: tuple[TripSpec, ...] = (
    TripSpec("I13_safety_chain", "Hardware safety chain open (safety relay, E-stop or an STB tripped)",
             ("safety_chain_ok", "miner_loop_stb_ok", "buffer_stb_ok"), Compare.CONTACT_OPEN, None, 0.0,
             _M | {Effect.HEAT_PUMP_BLOCK}, Reset.HARDWARE,
             "Find the tripped STB/E-stop in the cabinet, let it cool, reset it by hand; software cannot reset this."),
    TripSpec("I1_miner_outlet_hh", "Miner cooling-water outlet temperature high-high",
             ("miner1_outlet_temp_c", "miner2_outlet_temp_c"), Compare.HIGH, "miner_outlet_trip_c", 0.0,
             _M, Reset.OPERATOR,
             "Check P3 runs and RV1 gives a path; check the plate heat exchanger; then ack and reset."),
    TripSpec("I2_miner_loop_supply_hh", "Miner-loop supply temperature high-high (no heat sink)",
             ("miner_loop_supply_temp_c",), Compare.HIGH, "miner_loop_supply_trip_c", 0.0,
             _M, Reset.OPERATOR,
             "The miner loop has nowhere to put its heat: check tank temperatures, RV1 and P3."),
    TripSpec("I5_buffer_top_hh", "Buffer tank top temperature high-high",
             ("buffer_top_temp_c",), Compare.HIGH, "buffer_top_trip_c", 0.0,
             _M | {Effect.HEAT_PUMP_BLOCK}, Reset.OPERATOR,
             "Buffer is overcharged: let the heating circuit draw it down; check buffer setpoints."),
    TripSpec("I6_heating_flow_hh", "Heating-circuit flow temperature high-high",
             ("heating_flow_temp_c",), Compare.HIGH, "heating_flow_trip_c", 0.0,
             frozenset({Effect.HEATING_PUMP_OFF}), Reset.OPERATOR,
             "Flow too hot for the emitters: check the buffer temperature and the heating curve."),
    TripSpec("I12_scan_timing", "Scan cycle overran repeatedly or once by far (controller not keeping time)",
             ("scan_timing_ok",), Compare.CONTACT_OPEN, None, 0.0,
             _M | {Effect.HEAT_PUMP_BLOCK}, Reset.OPERATOR,
             "Look at the scan statistics and the journal for what stalled the controller; then ack and reset."),
    TripSpec("I7_dhw_hh", "Hot-water tank temperature high-high",
             ("dhw_temp_c",), Compare.HIGH, "dhw_trip_c", 0.0,
             frozenset({Effect.DHW_CHARGE_OFF}), Reset.OPERATOR,
             "Hot water too hot (scald risk): check RV1/RV2 end positions and the DHW setpoint."),
)

TRIPS_BY_ID = {t.id: t for t in TRIP_TABLE}
