"""Heat pump: Keymark COP fit, capacity, SG-Ready modes, thermostat, hydraulics."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import pytest

from hardware_sim.plant import heat_pump as hpm
from hardware_sim.plant import model
from hardware_sim.plant.boundary import DATA_DIR, Boundary
from hardware_sim.plant.model import Actuators
from hardware_sim.plant.params import DEFAULT_PARAMS_PATH
from tests.plant.signals import sensors

KEYMARK = DATA_DIR / "keymark_Buderus_Logatherm_WLW_MB-4_5_7_AR.csv"
TOLERANCE = 0.05  # stated tolerance: every fitted point within 5 %
# manufacturer full-load points at W35 (Bosch 6721840669 via bosch-buderus-wp): (T_out, kW, COP)
FULL_LOAD = ((-10.0, 5.86, 2.23), (-7.0, 6.71, 2.36), (2.0, 7.09, 2.83), (7.0, 7.97, 3.07))


def test_keymark_points_are_the_documented_values():
    pts = {(p.outdoor_temp_c, p.flow_temp_c): p for p in hpm.keymark_points(KEYMARK)}
    assert len(pts) == 10
    assert pts[(-7.0, 34.0)].cop == 2.61 and pts[(-7.0, 34.0)].heat_w == pytest.approx(5420.0)
    assert pts[(12.0, 30.0)].cop == 5.75
    assert pts[(-10.0, 35.0)].heat_w == pytest.approx(5860.0)


def _plr(hp, p):
    return min(1.0, p.heat_w / hpm.capacity_max_w(hp, p.outdoor_temp_c, p.flow_temp_c))


def test_cop_at_every_keymark_part_load_point(params):
    hp = params.heat_pump
    worst = 0.0
    for p in hpm.keymark_points(KEYMARK):
        err = hpm.cop(hp, p.outdoor_temp_c, p.flow_temp_c, _plr(hp, p)) / p.cop - 1.0
        worst = max(worst, abs(err))
        assert abs(err) < TOLERANCE, p
    assert worst > 0.0


def test_capacity_cop_and_power_at_full_load(params):
    hp = params.heat_pump
    for t_out, kw, cop in FULL_LOAD:
        q = hpm.capacity_max_w(hp, t_out, 35.0)
        assert q == pytest.approx(kw * 1000.0, rel=TOLERANCE)
        assert hpm.cop(hp, t_out, 35.0, 1.0) == pytest.approx(cop, rel=TOLERANCE)
        assert q / hpm.cop(hp, t_out, 35.0, 1.0) == pytest.approx(kw * 1000.0 / cop, rel=TOLERANCE)
    # Keymark Pdh(TOL) at the 55 °C application: 5.21 kW, COP 1.83 (full load at TOL)
    assert hpm.capacity_max_w(hp, -10.0, 55.0) == pytest.approx(5210.0, rel=TOLERANCE)
    assert hpm.cop(hp, -10.0, 55.0, 1.0) == pytest.approx(1.83, rel=TOLERANCE)


def test_capacity_range_contains_every_keymark_point(params):
    """Declared Pdh lies within [Q_min, Q_max]; at +12 °C (declared > demand) it is Q_min."""
    hp = params.heat_pump
    for p in hpm.keymark_points(KEYMARK):
        q_max = hpm.capacity_max_w(hp, p.outdoor_temp_c, p.flow_temp_c)
        q_min = hpm.capacity_min_w(hp, p.outdoor_temp_c, p.flow_temp_c)
        assert q_min * (1 - TOLERANCE) <= p.heat_w <= q_max * (1 + TOLERANCE), p
        if p.outdoor_temp_c == 12.0:
            assert q_min == pytest.approx(p.heat_w, rel=TOLERANCE)


def test_cop_rises_with_outdoor_and_falls_with_flow_temperature(params):
    hp = params.heat_pump
    for plr in (0.25, 0.5, 1.0):
        for t_flow in (30.0, 45.0, 55.0, 65.0, 75.0):
            cops = [hpm.cop(hp, t, t_flow, plr) for t in range(-20, 36)]
            assert all(b > a for a, b in zip(cops, cops[1:], strict=False)), (plr, t_flow)
        for t_out in (-15.0, 0.0, 20.0):
            cops = [hpm.cop(hp, t_out, f, plr) for f in range(25, 76)]
            assert all(b < a for a, b in zip(cops, cops[1:], strict=False)), (plr, t_out)
    assert hpm.cop(hp, 20.0, 60.0) > hpm.cop(hp, 7.0, 60.0) > 1.5


def test_toml_part_load_factors_are_the_fit(params):
    fitted = hpm.fit_part_load(params.heat_pump, hpm.keymark_points(KEYMARK))
    with DEFAULT_PARAMS_PATH.open("rb") as fh:
        in_file = tomllib.load(fh)["heat_pump"]["part_load_cop_factor"]
    assert in_file == pytest.approx(fitted, abs=1e-3)


def test_envelope_cycling_and_backup_heater(params):
    hp = params.heat_pump
    assert hpm.max_flow_c(hp, -5.0) == 75.0 and hpm.max_flow_c(hp, -20.0) == 65.0
    # a start delivers less heat for the same electricity (cycling loss)
    q0, el0, _ = hpm.operate(hp, 2.0, 30.0, 0.33 * 4186.0, 45.0, 30.0, True, False)
    q1, el1, _ = hpm.operate(hp, 2.0, 30.0, 0.33 * 4186.0, 45.0, 3600.0, True, False)
    assert el0 == pytest.approx(el1) and q0 < 0.25 * q1
    # the envelope caps the flow temperature
    _, _, t_flow = hpm.operate(hp, -5.0, 72.0, 0.33 * 4186.0, 90.0, 3600.0, True, False)
    assert t_flow == pytest.approx(75.0)
    # the backup heater adds its power as heat, alone when the compressor is locked out
    q, el, _ = hpm.operate(hp, -25.0, 30.0, 0.33 * 4186.0, 45.0, 3600.0, False, True)
    assert q == el == hp.backup_heater_w


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
    # full output (cold buffer far below the set point), ramping up after the start
    q_max = hpm.capacity_max_w(params.heat_pump, -5.0, 35.0)  # flow ~35 °C from a 30 °C buffer
    assert 0.01 * q_max < f.hp_heat_buffer_w < 0.2 * q_max
    for _ in range(60):
        s, f = model.step(s, Actuators(p4=True), bnd, params, 10.0)
    assert f.hp_heat_buffer_w == pytest.approx(q_max, rel=0.02)
    assert 1.8 < f.hp_heat_w / f.hp_power_w < 3.5
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
