"""The laptop fault tests of docs/SOURCES.md S-ALARMS: open/short sensors, stale, stuck, rate spikes.

Open/short go through the real scan over the file-backed image (the AIO encoding of the fault);
stale, stuck and rate checks drive ``Core.scan`` with frozen images where the file adds nothing.
"""

from __future__ import annotations

import pytest

from tests.core.conftest import ASP1, healthy_inputs
from thermiq.config.load import load_config
from thermiq.cycle.scan import Core, SafetyCommand, initial_state
from thermiq.interlocks.trip_table import build_trip_table

from .conftest import check_effects, frozen_image

TRIP_TABLE = build_trip_table(load_config(ASP1))

ANALOG = (
    "buffer_top_temp_c",
    "miner_loop_supply_temp_c",
    "miner1_outlet_temp_c",
    "miner2_outlet_temp_c",
    "dhw_temp_c",
    "heating_flow_temp_c",
    "miner_loop_return_temp_c",
)
TRIP_SENSORS = sorted({s for row in TRIP_TABLE for s in row.signals if s in ANALOG})


def test_trip_sensor_list_covers_every_analog_signal_of_the_table():
    assert set(TRIP_SENSORS) == set(ANALOG)


@pytest.mark.parametrize("fault", ["open", "short"])
@pytest.mark.parametrize("sensor", TRIP_SENSORS)
def test_open_or_short_sensor_trips_within_two_scans_and_reset_is_refused_while_it_lasts(plant, cfg, sensor, fault):
    plant.run_until_miners_on()
    plant.faults[sensor] = fault
    rows = [r for r in TRIP_TABLE if sensor in r.signals]
    latched = []
    for _ in range(2):
        res, outs = plant.step()
        latched = [r for r in rows if res.state.interlocks.trips.get(r.id) and res.state.interlocks.trips[r.id].latched]
        if latched:
            break
    assert latched, f"{fault} {sensor}: no trip within 2 scans"
    for r in latched:
        check_effects(r.effects, res, outs, cfg, r.miner)
    plant.command("ack", "all", "a")
    for _ in range(5):
        outcome, res, outs = plant.command("reset", "all", "r")
        assert not outcome.accepted and res.state.interlocks.latched
    del plant.faults[sensor]
    for _ in range(3):
        plant.step()
    outcome, res, _ = plant.command("ack", "all", "a2")
    outcome, res, _ = plant.command("reset", "all", "r2")
    assert outcome.accepted, outcome.reason
    assert not res.state.interlocks.latched


def _idle_inputs(io_list) -> dict:
    """Healthy inputs of a plant with the miners off (contactors open)."""
    return dict(healthy_inputs(io_list), k1_miner1_closed=False, k2_miner2_closed=False)


def _core(cfg, io_list):
    core = Core.build(cfg, io_list)
    return core, initial_state(cfg)


def test_stale_process_image_signal_trips_its_interlock(cfg, io_list):
    core, st = _core(cfg, io_list)
    vals = _idle_inputs(io_list)
    for k in range(3):
        st = core.scan(frozen_image(vals, float(k)), st).state
    res = core.scan(frozen_image(vals, 3.0, ages={"dhw_temp_c": cfg.limits.signal_max_age_s + 0.5}), st)
    assert res.state.interlocks.trips["I7_dhw_hh"].latched
    assert not res.outputs.digital["rv1_to_dhw"] and not res.outputs.digital["rv2_to_dhw"]
    # fresh again: the trip stays latched until acknowledged and reset
    res = core.scan(frozen_image(vals, 4.0), res.state)
    assert res.state.interlocks.trips["I7_dhw_hh"].latched
    res = core.scan(frozen_image(vals, 5.0), res.state, (SafetyCommand("ack", "I7_dhw_hh"),))
    res = core.scan(frozen_image(vals, 6.0), res.state, (SafetyCommand("reset", "I7_dhw_hh"),))
    assert res.outcomes[0].accepted and not res.state.interlocks.latched


def test_stale_miner_telemetry_with_contactor_closed_trips_i10_after_the_grace(plant, cfg):
    plant.run_until_miners_on()
    plant.stale.add("m1")
    waited = 0.0
    while waited < cfg.limits.miner_telemetry_grace_s + cfg.scan.miner_max_age_s + 20.0:
        res, outs = plant.step(5.0)
        waited += 5.0
        if (
            res.state.interlocks.trips.get("I10_m1_telemetry_lost")
            and res.state.interlocks.trips["I10_m1_telemetry_lost"].latched
        ):
            break
    else:
        raise AssertionError("stale telemetry did not trip I10")
    assert waited > cfg.limits.miner_telemetry_grace_s, "the grace covers a Braiins OS boot"
    check_effects(TRIP_TABLE[[r.id for r in TRIP_TABLE].index("I10_m1_telemetry_lost")].effects, res, outs, cfg, "m1")
    assert outs["k2_miner2_run"], "miner m2 keeps running: the trip is m1's own"


def test_stuck_sensor_is_bad_when_its_reference_moves(cfg, io_list):
    core, st = _core(cfg, io_list)
    vals = _idle_inputs(io_list)
    t, res = 0.0, None
    # the loop supply warms by 6 K over the window; the miner-1 outlet sensor does not move at all
    while t <= cfg.limits.stuck_window_s + 20.0:
        vals["miner_loop_supply_temp_c"] = 40.0 + 6.0 * min(1.0, t / cfg.limits.stuck_window_s)
        res = core.scan(frozen_image(vals, t), res.state if res else st)
        if res.state.interlocks.latched:
            break
        t += 10.0
    assert res.state.interlocks.trips["I1_m1_outlet_hh"].latched, "stuck outlet sensor must trip I1"
    assert t >= cfg.limits.stuck_window_s


def test_constant_plant_is_not_stuck(cfg, io_list):
    core, st = _core(cfg, io_list)
    vals = _idle_inputs(io_list)
    for k in range(0, 3000, 10):
        st = core.scan(frozen_image(vals, float(k)), st).state
    assert not st.interlocks.latched


def test_rate_of_change_spike_trips_and_needs_a_reset(cfg, io_list):
    core, st = _core(cfg, io_list)
    vals = _idle_inputs(io_list)
    for k in range(3):
        st = core.scan(frozen_image(vals, float(k)), st).state
    spike = dict(vals, buffer_top_temp_c=vals["buffer_top_temp_c"] - 40.0)  # 40 K in 1 s: a loose terminal
    res = core.scan(frozen_image(spike, 3.0), st)
    assert res.state.interlocks.trips["I5_buffer_top_hh"].latched
    res = core.scan(frozen_image(vals, 3.5), res.state)
    res = core.scan(frozen_image(vals, 4.5), res.state)
    assert res.state.interlocks.trips["I5_buffer_top_hh"].latched, "the spike is gone, the latch is not"
    res = core.scan(frozen_image(vals, 5.5), res.state, (SafetyCommand("ack", "all"), SafetyCommand("reset", "all")))
    assert res.outcomes[1].accepted and not res.state.interlocks.latched
