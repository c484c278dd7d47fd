"""Every row of the trip table through the real scan (file-backed image): effect, latch, reset rule.

Parametrised over TRIP_TABLE: a new row without a case in CASES fails here (issue #3, done-when 1).
"""

from __future__ import annotations

import pytest

from thermiq.interlocks.alarm import AlarmState
from thermiq.interlocks.trip_table import TRIP_TABLE, Reset

from .conftest import check_effects


def _temp(name, value):
    return lambda lp: lp.set_temp(name, value)


def _override(name, value):
    def do(lp):
        lp.overrides[name] = value
    return do


def _drop_override(name, restore=None):
    def do(lp):
        lp.overrides.pop(name, None)
        if restore is not None:
            lp.values[name] = restore
    return do


def _power(miner, watts):
    def do(lp):
        lp.power[miner] = watts
    return do


def _unreachable(miner, on):
    def do(lp):
        (lp.unreachable.add if on else lp.unreachable.discard)(miner)
    return do


def _timing(ok):
    def do(lp):
        lp.runner._timing_ok = ok   # what Runner.run sets after repeated overruns (I12)
    return do


def _blind_controller(lp):
    """A controller with wrong tank limits (it sees room where there is none): the dispatch opens
    the contactors before the tanks are full (issue #10), so the no-sink trip is shown against a
    controller that fails to (the configuration is copied without validation on purpose)."""
    from thermiq.cycle.scan import Core
    core = lp.runner.core
    tanks = tuple(t.model_copy(update={"max_c": 95.0}) for t in core.cfg.tanks)
    lp.runner.core = Core(core.cfg.model_copy(update={"tanks": tanks}), core.table)


def _both(*fns):
    def do(lp):
        for f in fns:
            f(lp)
    return do


# trip id -> (miners running first?, cause, clear, scan step while waiting for the trip [s], max wait [s])
CASES = {
    "I13_safety_chain": (True, _override("safety_chain_ok", False), _drop_override("safety_chain_ok", True), 1.0, 3),
    "I1_miner_outlet_hh": (True, _both(_temp("miner_loop_return_temp_c", 60.0), _temp("miner1_outlet_temp_c", 70.0)),
                           _both(_temp("miner1_outlet_temp_c", 45.0), _temp("miner_loop_return_temp_c", 35.0)), 1.0, 3),
    "I2_miner_loop_supply_hh": (True, _temp("miner_loop_supply_temp_c", 66.0), _temp("miner_loop_supply_temp_c", 40.0), 1.0, 3),
    "I3_miner1_delta_t_hh": (True, _temp("miner1_outlet_temp_c", 51.0), _temp("miner1_outlet_temp_c", 45.0), 1.0, 3),
    "I3_miner2_delta_t_hh": (True, _temp("miner2_outlet_temp_c", 51.0), _temp("miner2_outlet_temp_c", 45.0), 1.0, 3),
    "I4_miner1_flow_not_proven": (True, _temp("miner1_outlet_temp_c", 35.2), _temp("miner1_outlet_temp_c", 45.0), 5.0, 200),
    "I4_miner2_flow_not_proven": (True, _temp("miner2_outlet_temp_c", 35.2), _temp("miner2_outlet_temp_c", 45.0), 5.0, 200),
    "I5_buffer_top_hh": (True, _temp("buffer_top_temp_c", 86.0), _temp("buffer_top_temp_c", 60.0), 1.0, 3),
    "I6_heating_flow_hh": (True, _temp("heating_flow_temp_c", 76.0), _temp("heating_flow_temp_c", 40.0), 1.0, 3),
    "I7_dhw_hh": (True, _temp("dhw_temp_c", 76.0), _temp("dhw_temp_c", 50.0), 1.0, 3),
    "I9_rv1_discrepancy": (True, _override("rv1_at_buffer", False), _drop_override("rv1_at_buffer"), 5.0, 120),
    "I9_rv2_discrepancy": (True, _override("rv2_at_buffer", False), _drop_override("rv2_at_buffer"), 5.0, 120),
    "I9_no_heat_sink": (True, _both(_blind_controller, _temp("buffer_top_temp_c", 76.0), _temp("dhw_temp_c", 66.0)),
                        _both(_temp("buffer_top_temp_c", 60.0), _temp("dhw_temp_c", 50.0)), 5.0, 120),
    "I10_miner1_telemetry_lost": (True, _unreachable("m1", True), _unreachable("m1", False), 10.0, 400),
    "I10_miner2_telemetry_lost": (True, _unreachable("m2", True), _unreachable("m2", False), 10.0, 400),
    "I11_miner1_still_powered": (False, _power("m1", 1500.0), lambda lp: lp.power.pop("m1"), 5.0, 60),
    "I11_miner2_still_powered": (False, _power("m2", 1500.0), lambda lp: lp.power.pop("m2"), 5.0, 60),
    "I11_k1_feedback": (True, _override("k1_miner1_closed", False), _drop_override("k1_miner1_closed"), 1.0, 5),
    "I11_k2_feedback": (True, _override("k2_miner2_closed", False), _drop_override("k2_miner2_closed"), 1.0, 5),
    "I12_scan_timing": (True, _timing(False), _timing(True), 1.0, 3),
}


def test_every_row_has_a_case():
    assert set(CASES) == {t.id for t in TRIP_TABLE}


@pytest.mark.parametrize("spec", TRIP_TABLE, ids=lambda s: s.id)
def test_row_effect_latch_and_reset(plant, cfg, spec):
    assert spec.id in CASES, f"trip {spec.id} has no test case"
    miners_first, cause, clear, dt_s, max_s = CASES[spec.id]
    if miners_first:
        plant.run_until_miners_on()
    else:
        for _ in range(5):
            plant.step()
    assert not plant.runner.state.interlocks.latched

    # cause -> latched, with the row's effect in the same scan
    cause(plant)
    waited, res = 0.0, None
    while waited <= max_s:
        res, outs = plant.step(dt_s)
        waited += dt_s
        if res.state.interlocks.trips.get(spec.id) and res.state.interlocks.trips[spec.id].latched:
            break
    trip = res.state.interlocks.trips[spec.id]
    assert trip.latched, f"{spec.id} did not latch within {max_s} s"
    assert res.state.interlocks.first_out == spec.id
    assert waited >= (0.0 if spec.delay is None else plant.runner.core.table[[t.spec.id for t in plant.runner.core.table].index(spec.id)].delay_s)
    check_effects(spec.effects, res, outs, cfg)

    # a reset while the cause may still be active is refused and changes nothing
    before = res.state.interlocks.trips[spec.id]
    outcome, res, _ = plant.command("reset", spec.id, "r-early")
    assert not outcome.accepted and outcome.reason
    assert res.state.interlocks.trips[spec.id].latched

    # cause goes away: still latched, effect still forced
    clear(plant)
    for _ in range(3):
        res, outs = plant.step()
    assert res.state.interlocks.trips[spec.id].latched, "a cleared cause does not unlatch a trip"
    assert res.state.interlocks.trips[spec.id].alarm is AlarmState.CLEARED_UNACK
    check_effects(spec.effects, res, outs, cfg)

    outcome, res, _ = plant.command("ack", spec.id, "a1")
    assert outcome.accepted, outcome.reason
    if spec.reset is Reset.HARDWARE:
        assert not res.state.interlocks.trips[spec.id].latched, "hardware mirror clears with the hardware once acked"
        plant.values["safety_chain_ok"] = False
        plant.step()
        outcome, res, _ = plant.command("reset", spec.id, "r-hw")
        assert not outcome.accepted and "hardware" in outcome.reason
        assert res.state.interlocks.trips[spec.id].latched
        return
    assert res.state.interlocks.trips[spec.id].alarm is AlarmState.CLEARED_ACK
    outcome, res, outs = plant.command("reset", spec.id, "r-ok")
    assert outcome.accepted, outcome.reason
    assert not res.state.interlocks.latched
    assert before.since_s is not None
