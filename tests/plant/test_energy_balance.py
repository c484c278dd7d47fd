"""Energy balances of the plant model over a simulated week with varied actuator patterns."""

from __future__ import annotations

import math

import pytest

from hardware_sim.plant import model
from hardware_sim.plant.model import Actuators
from tests.plant.conftest import JAN_START_S
from tests.plant.signals import sensors

WEEK_S = 7 * 86400


def pattern(t_rel_s: float) -> Actuators:
    """A deterministic weekly schedule that exercises every actuator.

    Hour-of-week based: miners cycle on/off and through power targets, RV1/RV2 flip every
    few hours, P4/P5 toggle, the SG-Ready contacts cycle through block/normal/boost/forced.
    The last two hours run the miners with P3 off, so the loop STB trips and the hardware
    chain drops the contactors.
    """
    hour = int(t_rel_s // 3600)
    last = t_rel_s >= WEEK_S - 2 * 3600
    m1 = hour % 5 != 0
    m2 = hour % 7 not in (0, 1)
    sg = (hour // 3) % 4  # 0 normal, 1 boost, 2 forced, 3 block
    return Actuators(
        contactor=(m1, m2 or last),
        miner_run=(hour % 11 != 3, True),
        miner_target_w=(1700.0 + 100.0 * (hour % 20), 3250.0),
        p3=not last,
        p4=hour % 6 != 5,
        p5=hour % 4 != 0,
        rv1_to_dhw=hour % 24 == 7 and t_rel_s % 3600 < 1800,
        rv2_to_dhw=hour % 24 in (17, 18),
        sg_in1=sg in (2, 3),
        sg_in4=sg in (1, 2),
    )


def run_week(params, boundary, dt_s=10.0, duration_s=WEEK_S, pattern_fn=pattern):
    state = model.initial_state(params, boundary.at(JAN_START_S).outdoor_temp_c, JAN_START_S)
    sums = dict(heat_in=0.0, losses=0.0, throughput=0.0, batt=0.0, hp_heat=0.0, miner_heat=0.0, draw=0.0, trips=0)
    e0 = model.stored_energy_j(state, params)
    b0 = state.battery_energy_j
    worst_elec = 0.0
    n = int(round(duration_s / dt_s))
    for k in range(n):
        t = JAN_START_S + k * dt_s
        state, f = model.step(state, pattern_fn(k * dt_s), boundary.at(t, dt_s), params, dt_s)
        heat_in = f.miner_heat_w + f.hp_heat_w + f.house_gain_w
        losses = f.tank_loss_w + f.house_loss_w + f.dhw_draw_heat_w + f.loop_loss_w
        sums["heat_in"] += heat_in * dt_s
        sums["losses"] += losses * dt_s
        sums["throughput"] += heat_in * dt_s
        sums["hp_heat"] += f.hp_heat_w * dt_s
        sums["miner_heat"] += f.miner_heat_w * dt_s
        sums["draw"] += f.dhw_draw_heat_w * dt_s
        sums["batt"] += (f.battery_charge_w - f.battery_discharge_w - f.battery_loss_w) * dt_s
        sources = f.pv_power_w + f.grid_import_w + f.battery_discharge_w
        sinks = (
            f.load_power_w + sum(f.miner_power_w) + f.hp_power_w + f.pump_power_w + f.grid_export_w + f.battery_charge_w
        )
        worst_elec = max(worst_elec, abs(sources - sinks))
        assert f.consumption_w == pytest.approx(
            f.load_power_w + sum(f.miner_power_w) + f.hp_power_w + f.pump_power_w, rel=1e-12, abs=1e-9
        )
        assert f.miner_heat_w == pytest.approx(sum(f.miner_power_w), abs=1e-9)
    return state, sums, e0, b0, worst_elec


@pytest.fixture(scope="module")
def week(params, boundary):
    return run_week(params, boundary)


def test_thermal_balance_closes_over_a_week(params, boundary, week):
    state, sums, e0, _, _ = week
    stored_change = model.stored_energy_j(state, params) - e0
    residual = sums["heat_in"] - sums["losses"] - stored_change
    assert abs(residual) < 1e-3 * sums["throughput"]
    # the pattern really moved energy through every path
    assert sums["miner_heat"] > 80 * 3.6e6  # > 80 kWh of miner heat
    assert sums["hp_heat"] > 20 * 3.6e6
    # cycle M with this week's day factors; less only where the tank top was below a tap temperature
    tapped_j = 0.0
    for k in range(7 * 24):
        b = boundary.at(JAN_START_S + 3600.0 * k, 3600.0)
        tapped_j += b.dhw_draw_kg_s * 3600.0 * 4186.0 * (b.dhw_tap_temp_c - params.dhw.cold_water_temp_c)
    assert 0.85 * tapped_j < sums["draw"] <= tapped_j * (1 + 1e-9)
    assert not state.safety_chain_ok  # the P3-off tail tripped the loop STB


def test_electrical_balance_closes_every_step(week):
    *_, worst_elec = week
    assert worst_elec < 1e-6


def test_battery_energy_matches_flows(params, week):
    state, sums, _, b0, _ = week
    assert state.battery_energy_j - b0 == pytest.approx(sums["batt"], rel=1e-9, abs=1.0)


@pytest.mark.parametrize("dt_s", [0.1, 1.0, 60.0])
def test_balance_closes_for_other_step_lengths(params, boundary, dt_s):
    duration = 1800.0 if dt_s < 1.0 else 6 * 3600.0
    state, sums, e0, _, worst = run_week(params, boundary, dt_s=dt_s, duration_s=duration)
    residual = sums["heat_in"] - sums["losses"] - (model.stored_energy_j(state, params) - e0)
    assert abs(residual) < 1e-6 * sums["throughput"]
    assert worst < 1e-6
    assert all(math.isfinite(x) for x in state.buffer_c + state.dhw_c)


def test_results_agree_from_0_1_s_to_10_s_steps(params):
    """The same hour with dt = 0.1 s and dt = 10 s ends within a fraction of a kelvin."""
    from hardware_sim.plant.boundary import Boundary

    bnd = Boundary(-5.0, 2000.0, 600.0, 0.0)
    act = Actuators(
        contactor=(True, True), miner_run=(True, True), miner_target_w=(3250.0, 2500.0), p3=True, p4=True, p5=True
    )
    ends = {}
    for dt_s in (0.1, 10.0):
        state = model.initial_state(params, -5.0)
        for _ in range(int(round(3600.0 / dt_s))):
            state, _ = model.step(state, act, bnd, params, dt_s)
        ends[dt_s] = sensors(state, params)
    for name in (
        "buffer_top_temp_c",
        "buffer_bottom_temp_c",
        "dhw_temp_c",
        "room_temp_c",
        "miner_loop_supply_temp_c",
        "miner1_outlet_temp_c",
    ):
        assert ends[0.1][name] == pytest.approx(ends[10.0][name], abs=0.3), name
