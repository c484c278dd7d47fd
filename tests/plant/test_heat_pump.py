"""Heat pump: Keymark COP fit, capacity, SG-Ready modes, thermostat, hydraulics."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

from hardware_sim.plant import heat_pump as hpm
from hardware_sim.plant import model
from hardware_sim.plant.boundary import DATA_DIR, Boundary
from hardware_sim.plant.model import Actuators
from tests.plant.signals import sensors
from hardware_sim.plant.params import DEFAULT_PARAMS_PATH

KEYMARK = DATA_DIR / "keymark_Buderus_Logatherm_WLW_MB-4_5_7_AR.csv"
COP_FIT_TOLERANCE = 0.10  # stated tolerance: every Keymark point within 10 %


def test_keymark_points_are_the_documented_values():
    pts = {(p.outdoor_temp_c, p.flow_temp_c): p for p in hpm.keymark_points(KEYMARK)}
    assert len(pts) == 10
    assert pts[(-7.0, 34.0)].cop == 2.61 and pts[(-7.0, 34.0)].heat_w == pytest.approx(5420.0)
    assert pts[(12.0, 30.0)].cop == 5.75
    assert pts[(-10.0, 35.0)].heat_w == pytest.approx(5860.0)


def test_cop_fit_reproduces_keymark_points(params):
    pts = hpm.keymark_points(KEYMARK)
    for p in pts:
        model_cop = hpm.cop(params.heat_pump, p.outdoor_temp_c, p.flow_temp_c)
        assert abs(model_cop / p.cop - 1.0) <= COP_FIT_TOLERANCE, p


def test_toml_coefficients_are_the_fit():
    fitted = hpm.fit_cop(hpm.keymark_points(KEYMARK))
    with DEFAULT_PARAMS_PATH.open("rb") as fh:
        in_file = tomllib.load(fh)["heat_pump"]["cop_coef"]
    assert in_file == pytest.approx(fitted, rel=1e-5)


def test_capacity_matches_full_load_points(params):
    # manufacturer full-load W35 points (hardware.md §1.2), within 5 %
    for t_out, kw in ((-10.0, 5.86), (-7.0, 6.71), (2.0, 7.09), (7.0, 7.97)):
        assert hpm.capacity_w(params.heat_pump, t_out, 35.0) == pytest.approx(kw * 1000.0, rel=0.05)
    # Keymark Pdh(TOL) at 55 °C: 5.21 kW
    assert hpm.capacity_w(params.heat_pump, -10.0, 55.0) == pytest.approx(5210.0, rel=0.05)


def test_sg_ready_truth_table():
    assert hpm.sg_mode(True, False) == hpm.BLOCK
    assert hpm.sg_mode(False, False) == hpm.NORMAL
    assert hpm.sg_mode(False, True) == hpm.BOOST
    assert hpm.sg_mode(True, True) == hpm.FORCED


def test_targets_per_mode(params):
    hp = params.heat_pump
    assert hpm.tank_target_c(hp, True, hpm.NORMAL, 0.0) == 50.0
    assert hpm.tank_target_c(hp, True, hpm.BOOST, 0.0) == 55.0
    assert hpm.tank_target_c(hp, True, hpm.BLOCK, 0.0) is None
    assert hpm.tank_target_c(hp, False, hpm.NORMAL, -14.0) == pytest.approx(50.0)  # 45 + 5
    assert hpm.tank_target_c(hp, False, hpm.NORMAL, 20.0) is None  # above heating limit


def test_thermostat_hysteresis_and_min_run(params):
    hp = params.heat_pump
    assert not hpm.thermostat(hp, False, 1e9, hpm.NORMAL, 50.0, 46.0, True)  # inside the band
    assert hpm.thermostat(hp, False, 1e9, hpm.NORMAL, 50.0, 44.9, True)
    assert hpm.thermostat(hp, True, 60.0, hpm.NORMAL, 50.0, 51.0, True)  # min run time holds
    assert not hpm.thermostat(hp, True, hp.min_run_s, hpm.NORMAL, 50.0, 51.0, True)
    assert not hpm.thermostat(hp, True, 60.0, hpm.BLOCK, 50.0, 30.0, True)  # EVU block at once
    assert not hpm.thermostat(hp, False, 10.0, hpm.NORMAL, 50.0, 30.0, True)  # min off time


def _cold_buffer(params):
    state = model.initial_state(params, -5.0)
    return replace(state, buffer_c=(30.0,) * params.buffer.layers, dhw_c=(35.0,) * params.dhw.layers)


def test_hp_heats_buffer_only_with_p4(params):
    bnd = Boundary(-5.0, 0.0, 0.0, 0.0)
    state = _cold_buffer(params)
    _, f = model.step(state, Actuators(p4=False), bnd, params, 10.0)
    assert f.hp_heat_w == 0.0 and f.hp_power_w == params.heat_pump.standby_power_w
    s, f = model.step(state, Actuators(p4=True), bnd, params, 10.0)
    assert f.hp_heat_buffer_w == pytest.approx(hpm.capacity_w(params.heat_pump, -5.0, 35.0), rel=1e-9)
    assert 2.0 < f.hp_heat_w / f.hp_power_w < 4.5
    assert s.hp.running


def test_hp_routes_to_dhw_and_stops_at_target(params):
    bnd = Boundary(5.0, 0.0, 0.0, 0.0)
    state = replace(_cold_buffer(params), rv2_pos=1.0)
    act = Actuators(rv2_to_dhw=True)
    heat_dhw = 0.0
    peak_c = 0.0
    for _ in range(6 * 360):
        state, f = model.step(state, act, bnd, params, 10.0)
        heat_dhw += f.hp_heat_dhw_w * 10.0
        peak_c = max(peak_c, sensors(state, params)["dhw_temp_c"])
        assert f.hp_heat_buffer_w == 0.0
    target = params.heat_pump.dhw_target_c
    assert heat_dhw > 5 * 3.6e6
    assert target <= peak_c < target + 1.0  # stops at the target (one substep of overshoot)
    assert not state.hp.running  # and stays off inside the hysteresis band
    assert target - params.heat_pump.hysteresis_k < sensors(state, params)["dhw_temp_c"] < target


def test_hp_uses_a_damped_outdoor_temperature(params):
    """After one time constant of a 0 -> 10 °C step the damped value is 10 (1 - 1/e)."""
    import math
    tau = params.heat_pump.outdoor_damping_tau_s
    state = model.initial_state(params, 0.0)
    for _ in range(int(tau / 60.0)):
        state, _ = model.step(state, Actuators(sg_in1=True), Boundary(10.0, 0.0, 0.0, 0.0), params, 60.0)
    assert state.hp.outdoor_damped_c == pytest.approx(10.0 * (1.0 - math.exp(-1.0)), abs=1e-9)
    # a warm afternoon above the heating limit does not switch the HP to summer mode at once
    warm = replace(model.initial_state(params, 5.0), buffer_c=(25.0,) * params.buffer.layers)
    _, f = model.step(warm, Actuators(p4=True), Boundary(18.0, 0.0, 0.0, 0.0), params, 10.0)
    assert f.hp_heat_buffer_w > 0.0
