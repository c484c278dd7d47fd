"""Analytic checks: tank standing-loss decay, buoyancy mixing, house RC step response, emitters."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from hardware_sim.plant import house, model, tank
from hardware_sim.plant.boundary import Boundary
from hardware_sim.plant.model import Actuators
from hardware_sim.plant.params import WATER_CP_J_KG_K
from tests.plant.signals import sensors

BLOCKED = Actuators(sg_in1=True)  # heat pump EVU-blocked, everything else off


def test_buffer_standing_loss_follows_exponential_decay(params):
    """Idle buffer at uniform 60 °C: T - T_amb = 45 K * exp(-UA t / C) (stated tolerance 1 % of
    the excess temperature; explicit 5 s substeps are far inside tau = C/UA = 16 days)."""
    n = params.buffer.layers
    state = replace(model.initial_state(params, 0.0), buffer_c=(60.0,) * n)
    bnd = Boundary(0.0, 0.0, 0.0, 0.0)
    days = 10
    for _ in range(days * 24 * 6):
        state, _ = model.step(state, BLOCKED, bnd, params, 600.0)
    amb = params.simulation.plant_room_temp_c
    c_j_k = params.buffer.volume_l * 0.99 * WATER_CP_J_KG_K
    expected = amb + 45.0 * math.exp(-params.buffer.ua_w_k * days * 86400.0 / c_j_k)
    assert expected < 56.0  # the decay is large enough to be a real test (> 4 K)
    for temp in state.buffer_c:
        assert temp - amb == pytest.approx(expected - amb, rel=0.01)
        assert temp == pytest.approx(expected, abs=0.01)


def test_mix_inversions_conserves_energy_and_removes_inversions():
    temps = [40.0, 45.0, 30.0, 60.0, 20.0]
    mixed = tank.mix_inversions(temps)
    assert sum(mixed) == pytest.approx(sum(temps), abs=1e-12)
    assert all(a >= b - 1e-12 for a, b in zip(mixed, mixed[1:], strict=False))
    assert mixed == pytest.approx((43.75, 43.75, 43.75, 43.75, 20.0))


def _front_width_layers(temps, hot, cold):
    """Layers between 90 % and 10 % of the hot-cold difference (thermocline thickness)."""
    hi, lo = cold + 0.9 * (hot - cold), cold + 0.1 * (hot - cold)
    return sum(1 for t in temps if lo < t < hi)


def test_charge_keeps_a_sharp_thermocline_and_closes_energy():
    """60 °C water into a 20 °C tank (20 layers of 49.5 kg) for half a tank: the front stays within
    3 layers (plain upwind, phi = 0, smears it over ~7) and energy in = energy stored."""
    n, mass, flow = 20, 49.5, 0.33
    temps = (20.0,) * n
    dt, steps = 5.0, 300
    for _ in range(steps):
        temps, _ = tank.tank_substep(temps, mass, 0.9, 0.0, 15.0, ((flow, 60.0, 0, n - 1),), (), dt)
    assert temps[0] == pytest.approx(60.0, abs=0.1) and temps[-1] == pytest.approx(20.0, abs=0.1)
    assert _front_width_layers(temps, 60.0, 20.0) <= 3
    gained = mass * WATER_CP_J_KG_K * (sum(temps) - n * 20.0)
    assert gained == pytest.approx(flow * WATER_CP_J_KG_K * 40.0 * dt * steps, rel=1e-9)


def test_stratified_inlet_enters_at_the_layer_of_its_temperature():
    temps = (70.0, 70.0, 60.0, 50.0, 40.0, 30.0, 30.0, 30.0)
    assert tank.inlet_layer(temps, 55.0) == 3
    assert tank.inlet_layer(temps, 80.0) == 0
    assert tank.inlet_layer(temps, 20.0) == 7
    # 45 °C charge water neither disturbs the hot top nor mixes into it
    new, _ = tank.tank_substep(temps, 50.0, 0.0, 0.0, 15.0, ((0.3, 45.0, tank.inlet_layer(temps, 45.0), 7),), (), 5.0)
    assert new[:4] == pytest.approx(temps[:4])
    assert new[4] > temps[4] - 1e-12


def test_house_steady_state_loss_is_h_times_dt(params):
    """Constant heat into the air: at steady state Q = H (T_air - T_out) (stated tolerance 1 %)."""
    hp = params.house
    air, mass, q_in, t_out = 20.0, 20.0, 5000.0, -5.0
    for _ in range(24 * 60):  # 60 days of hour steps: tau_max = C/H ~ 35 h
        air, mass, loss = house.room_substep(hp, air, mass, t_out, q_in, 0.0, 3600.0)
    assert loss == pytest.approx(q_in, rel=0.01)
    assert q_in == pytest.approx(hp.h_w_k * (air - t_out), rel=0.01)
    assert mass < air  # the mass sits between the air and the outdoor temperature


def test_house_exact_update_matches_fine_integration(params):
    """The matrix-exponential update equals a 1 s RK4 integration of the two ODEs over 6 h."""
    hp = params.house
    ca, cm = hp.air_c_j_k, hp.c_j_k
    hao, ham, hmo = hp.air_outdoor_w_k, hp.air_mass_w_k, hp.mass_outdoor_w_k
    q_air, q_mass, t_out = 3000.0, 800.0, 0.0

    def rhs(a, m):
        return ((q_air - hao * (a - t_out) - ham * (a - m)) / ca, (q_mass + ham * (a - m) - hmo * (m - t_out)) / cm)

    a, m = 18.0, 19.0
    for _ in range(6 * 3600):
        k1 = rhs(a, m)
        k2 = rhs(a + 0.5 * k1[0], m + 0.5 * k1[1])
        k3 = rhs(a + 0.5 * k2[0], m + 0.5 * k2[1])
        k4 = rhs(a + k3[0], m + k3[1])
        a += (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]) / 6
        m += (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]) / 6
    exact_a, exact_m, _ = house.room_substep(hp, 18.0, 19.0, t_out, q_air, q_mass, 6 * 3600.0)
    assert exact_a == pytest.approx(a, abs=1e-6) and exact_m == pytest.approx(m, abs=1e-6)
    # and energy: C_a dT_a + C_m dT_m = (inputs - mean loss) x t
    a2, m2, loss = house.room_substep(hp, 18.0, 19.0, t_out, q_air, q_mass, 6 * 3600.0)
    stored = ca * (a2 - 18.0) + cm * (m2 - 19.0)
    assert stored == pytest.approx((q_air + q_mass - loss) * 6 * 3600.0, rel=1e-9)


def test_night_setback_and_thermostatic_valves(params):
    hp = params.house
    day = hp.room_setpoint_c + hp.trv_offset_k
    assert house.setpoint_c(hp, 12.0) == day and house.setpoint_c(hp, 23.0) == day
    follow = hp.model_copy(update={"trv_follow_setback": True})
    assert house.setpoint_c(follow, 12.0) == day
    assert house.setpoint_c(follow, 23.0) == house.setpoint_c(follow, 5.0) == day - hp.night_setback_k
    assert hp.night(23.0) and hp.night(5.0) and not hp.night(6.0) and not hp.night(12.0)
    from hardware_sim.plant import heat_pump as hpm

    hpp = params.heat_pump  # the heat pump's own curve drops by the setback at night
    assert hpm.heating_curve_c(hpp, 0.0, hp.night_setback_k) < hpm.heating_curve_c(hpp, 0.0) - hp.night_setback_k / 2
    assert house.valve_open_frac(hp, 18.0, 21.0) == 1.0
    assert house.valve_open_frac(hp, 23.0, 21.0) == 0.0
    assert house.valve_open_frac(hp, 21.0, 21.0) == pytest.approx(0.5)


def test_emitter_solution_satisfies_both_equations(params):
    hp = params.house
    q, t_ret = house.emitter_heat_w(hp, 45.0, 21.0)
    mean = 0.5 * (45.0 + t_ret)
    assert q == pytest.approx(hp.p5_flow_kg_s * WATER_CP_J_KG_K * (45.0 - t_ret), rel=1e-9)
    assert q == pytest.approx(hp.emitter_ua_w_k * (mean - 21.0) ** hp.emitter_exponent, rel=1e-6)
    # sized for the design load 250 W/K x 35 K at 45 °C supply (within 10 %)
    assert q == pytest.approx(hp.h_w_k * 35.0, rel=0.10)
    assert house.emitter_heat_w(hp, 20.0, 21.0) == (0.0, 20.0)


def test_heating_circuit_moves_buffer_heat_into_the_house(params):
    state = model.initial_state(params, -5.0, t_utc_s=10 * 3600.0)  # daytime: no setback
    bnd = Boundary(-5.0, 0.0, 0.0, 0.0)
    act = Actuators(sg_in1=True, p5=True)
    e_house0 = params.house.air_c_j_k * state.room_c + params.house.c_j_k * state.mass_c
    delivered = 0.0
    for _ in range(360):
        state, f = model.step(state, act, bnd, params, 10.0)
        delivered += f.house_heat_w * 10.0
    assert delivered > 5 * 3.6e6  # ~ 5+ kWh in one hour from a 45 °C buffer
    sen = sensors(state, params)
    assert sen["heating_flow_temp_c"] == pytest.approx(state.buffer_c[0], abs=0.5)
    assert sen["heating_flow_temp_c"] > sen["heating_return_temp_c"] > state.room_c
    assert params.house.air_c_j_k * state.room_c + params.house.c_j_k * state.mass_c > e_house0
