"""Property tests: any actuator sequence keeps the energy balances closed and the state physical."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware_sim.plant import model
from hardware_sim.plant.model import Actuators
from tests.plant.conftest import JAN_START_S

actuators = st.builds(
    Actuators,
    contactor=st.tuples(st.booleans(), st.booleans()),
    miner_run=st.tuples(st.booleans(), st.booleans()),
    miner_target_w=st.tuples(st.floats(0.0, 8000.0), st.floats(0.0, 8000.0)),
    p3=st.booleans(),
    p4=st.booleans(),
    p5=st.booleans(),
    rv1_to_dhw=st.booleans(),
    rv2_to_dhw=st.booleans(),
    sg_in1=st.booleans(),
    sg_in4=st.booleans(),
)
segments = st.lists(st.tuples(st.integers(1, 120), actuators), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=segments, dt_s=st.sampled_from([0.5, 3.0, 10.0, 30.0]), offset_h=st.integers(0, 24 * 300))
def test_random_operation_keeps_balances_and_bounds(params, boundary, segments, dt_s, offset_h):
    t = JAN_START_S + offset_h * 3600.0
    state = model.initial_state(params, boundary.at(t).outdoor_temp_c, t)
    e0 = model.stored_energy_j(state, params)
    b0 = state.battery_energy_j
    heat_in = losses = batt = 0.0
    for steps, act in segments:
        for _ in range(steps):
            state, f = model.step(state, act, boundary.at(t), params, dt_s)
            t += dt_s
            heat_in += (f.miner_heat_w + f.hp_heat_w + f.house_gain_w) * dt_s
            losses += (f.tank_loss_w + f.house_loss_w + f.dhw_draw_heat_w + f.loop_loss_w) * dt_s
            batt += (f.battery_charge_w - f.battery_discharge_w - f.battery_loss_w) * dt_s
            sources = f.pv_power_w + f.grid_import_w + f.battery_discharge_w
            sinks = f.consumption_w + f.grid_export_w + f.battery_charge_w
            assert abs(sources - sinks) < 1e-6
            assert min(f.grid_import_w, f.grid_export_w, f.battery_charge_w, f.battery_discharge_w) >= 0.0
            assert f.grid_import_w == 0.0 or f.grid_export_w == 0.0
            assert all(0.0 <= w <= params.miners.power_max_w for w in f.miner_power_w)
            if not act.contactor[0]:
                assert f.miner_power_w[0] == 0.0
    residual = heat_in - losses - (model.stored_energy_j(state, params) - e0)
    assert abs(residual) <= 1e-9 * max(heat_in, 1.0) + 1e-3
    assert abs(state.battery_energy_j - b0 - batt) < 1e-3 * max(abs(batt), 1.0) + 1e-3
    soc = model.battery_soc_pct(state, params)
    assert params.electrical.battery_min_soc_pct - 1e-6 <= soc <= 100.0 + 1e-6  # starts at 50 %
    temps = state.buffer_c + state.dhw_c + (state.loop_c, state.room_c)
    assert all(math.isfinite(x) and -30.0 < x < 150.0 for x in temps)
    assert all(a >= b - 1e-9 for a, b in zip(state.buffer_c, state.buffer_c[1:], strict=False))
    assert 0.0 <= state.rv1_pos <= 1.0 and 0.0 <= state.rv2_pos <= 1.0
