"""Analytic checks: tank standing-loss decay, buoyancy mixing, house RC step response, emitters."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from hardware_sim.plant import house, model, tank
from hardware_sim.plant.boundary import Boundary
from hardware_sim.plant.model import Actuators
from tests.plant.signals import sensors
from hardware_sim.plant.params import WATER_CP_J_KG_K

BLOCKED = Actuators(sg_in1=True)  # heat pump EVU-blocked, everything else off


def test_buffer_standing_loss_follows_exponential_decay(params):
    """Idle buffer at uniform 60 °C: T - T_amb = 45 K * exp(-UA t / C) (exact solution)."""
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
        assert temp == pytest.approx(expected, abs=0.01)


def test_mix_inversions_conserves_energy_and_removes_inversions():
    temps = [40.0, 45.0, 30.0, 60.0, 20.0]
    mixed = tank.mix_inversions(temps)
    assert sum(mixed) == pytest.approx(sum(temps), abs=1e-12)
    assert all(a >= b - 1e-12 for a, b in zip(mixed, mixed[1:], strict=False))
    assert mixed == pytest.approx((43.75, 43.75, 43.75, 43.75, 20.0))


def test_charge_from_top_builds_stratification():
    """Hot water in at the top pushes a front down; the bottom stays cold for a while."""
    temps = (30.0,) * 6
    mass = 165.0
    for _ in range(60):  # 10 min at 0.3 kg/s of 60 °C water
        temps, _ = tank.tank_substep(temps, mass, 0.9, 0.0, 15.0, 0.3, 0.3 * WATER_CP_J_KG_K * 60.0,
                                     0.0, 30.0, 0.0, 10.0)
    assert temps[0] > 50.0 > 31.0 > temps[-1]
    # energy in = m c_p (60 - 30) x t minus what leaves at the bottom (still ~30 °C)
    gained = mass * WATER_CP_J_KG_K * (sum(temps) - 6 * 30.0)
    assert gained == pytest.approx(0.3 * WATER_CP_J_KG_K * 30.0 * 600.0, rel=0.02)


def test_house_step_response_matches_first_order_solution(params):
    """No heating, constant 0 °C outdoor: T(t) = T_eq + (T0 - T_eq) exp(-H t / C)."""
    hp = params.house
    state = model.initial_state(params, 0.0)
    bnd = Boundary(0.0, 0.0, 0.0, 0.0)
    t_eq = hp.internal_gains_w / hp.h_w_k
    for k in range(1, 2 * 8640 + 1):
        state, flows = model.step(state, BLOCKED, bnd, params, 10.0)
        if k % 1440 == 0:
            exact = t_eq + (20.5 - t_eq) * math.exp(-hp.h_w_k * k * 10.0 / hp.c_j_k)
            assert state.room_c == pytest.approx(exact, abs=1e-9)
    assert state.room_c < 15.0  # it really cooled (tau = C/H = 26.7 h)


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
    state = model.initial_state(params, -5.0)
    bnd = Boundary(-5.0, 0.0, 0.0, 0.0)
    act = Actuators(sg_in1=True, p5=True)
    e_house0 = params.house.c_j_k * state.room_c
    delivered = 0.0
    for _ in range(360):
        state, f = model.step(state, act, bnd, params, 10.0)
        delivered += f.house_heat_w * 10.0
    assert delivered > 5 * 3.6e6  # ~ 5+ kWh in one hour from a 45 °C buffer
    sen = sensors(state, params)
    assert sen["heating_flow_temp_c"] == pytest.approx(state.buffer_c[0], abs=0.5)
    assert sen["heating_flow_temp_c"] > sen["heating_return_temp_c"] > state.room_c
    assert params.house.c_j_k * state.room_c > e_house0
