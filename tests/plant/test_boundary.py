"""Boundary series: PV scaling, household energy, DHW tapping energy, range checks; determinism."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from hardware_sim.plant import model
from hardware_sim.plant.boundary import DEFAULT_WEATHER_PATH
from hardware_sim.plant.model import Actuators
from hardware_sim.plant.profiles import (
    TAPPING_CYCLE_M,
    bavarian_holidays,
    day_type,
    easter_sunday,
    tapping_cycle,
)
from hardware_sim.plant.weather import load_weather
from tests.plant.conftest import JAN_START_S


def test_pv_and_temperature_interpolate_between_hours(params, boundary):
    w = load_weather(DEFAULT_WEATHER_PATH)
    i = 4000
    b0, b1 = boundary.at(float(w.t_utc_s[i])), boundary.at(float(w.t_utc_s[i + 1]))
    mid = boundary.at(0.5 * (w.t_utc_s[i] + w.t_utc_s[i + 1]))
    assert mid.pv_power_w == pytest.approx(0.5 * (b0.pv_power_w + b1.pv_power_w))
    # the air temperature is moved from the weather point (673 m) to the site (490 m) at 6.5 K/km
    lapse = 6.5 * (673.0 - params.site.elevation_m) / 1000.0
    assert b0.outdoor_temp_c == pytest.approx(w.outdoor_temp_c[i] + lapse)
    assert mid.outdoor_temp_c == pytest.approx(0.5 * (w.outdoor_temp_c[i] + w.outdoor_temp_c[i + 1]) + lapse)
    assert "91 km W of the site" in boundary.weather_note and "+183 m above" in boundary.weather_note


def test_household_energy_over_a_year_is_the_configured_annual_energy(params, boundary):
    # quarter-hour values are held, so sampling mid-quarter integrates exactly
    start = calendar.timegm((2009, 1, 1, 0, 0, 0)) - 3600.0 + 450.0  # local midnight CET
    t_first = max(start, boundary.start_s)
    total_j = 0.0
    t = start
    while t < start + 365 * 86400:
        if boundary.start_s <= t <= boundary.end_s:
            total_j += boundary.at(t).household_load_w * 900.0
        t += 900.0
    # the first 55 minutes of the local year lie before the weather file starts (< 0.1 %)
    assert total_j / 3.6e6 == pytest.approx(params.electrical.household_annual_kwh, rel=2e-3)
    assert t_first > start


def _tap_energy_kwh(params, boundary, t0, t1, dt_s):
    """Useful tap energy between t0 and t1 from step means of length dt_s [kWh]."""
    cold = params.dhw.cold_water_temp_c
    total = 0.0
    t = t0
    while t < t1 - 1e-9:
        b = boundary.at(t, dt_s)
        total += b.dhw_draw_kg_s * dt_s * 4186.0 * (b.dhw_tap_temp_c - cold)
        t += dt_s
    return total / 3.6e6


def test_dhw_draws_follow_cycle_m_with_day_to_day_variation(params, boundary):
    day0 = JAN_START_S + 86400 - 3600.0  # a local midnight
    days = [_tap_energy_kwh(params, boundary, day0 + d * 86400, day0 + (d + 1) * 86400, 60.0) for d in range(28)]
    assert max(days) > 1.1 * min(days)  # days differ
    assert 0.4 * 5.845 < min(days) and max(days) < 2.0 * 5.845
    # over the whole series the mean day is cycle M's 5.845 kWh (factors renormalised to mean 1)
    year = _tap_energy_kwh(params, boundary, boundary.start_s, boundary.end_s - 86400.0, 3600.0)
    n_days = (boundary.end_s - 86400.0 - boundary.start_s) / 86400.0
    assert year / n_days == pytest.approx(5.845, rel=0.01)
    assert sum(e for _, e, _ in TAPPING_CYCLE_M) == pytest.approx(5.845)
    assert len(TAPPING_CYCLE_M) == 23


def test_dhw_energy_does_not_depend_on_the_step(params, boundary):
    """Stated tolerance 1 % (the means are exact integrals, so the figures agree to rounding)."""
    day0 = JAN_START_S + 86400 - 3600.0
    e = {dt_s: _tap_energy_kwh(params, boundary, day0, day0 + 3 * 86400, dt_s) for dt_s in (1.0, 10.0, 60.0, 600.0)}
    assert e[10.0] == pytest.approx(e[60.0], rel=0.01)
    assert e[1.0] == pytest.approx(e[600.0], rel=1e-9)
    assert e[10.0] > 10.0


def test_instantaneous_draw_is_the_tapping_flow(params, boundary):
    day0 = JAN_START_S + 86400 - 3600.0
    flows = {round(boundary.at(day0 + s).dhw_draw_kg_s, 6) for s in range(0, 86400, 5)}
    assert flows == {0.0, 0.05, round(4 / 60, 6), 0.1}  # 3, 4 and 6 l/min
    assert boundary.at(day0 + 3 * 3600).dhw_draw_kg_s == 0.0


def test_tapping_cycle_rejects_bad_temperatures():
    with pytest.raises(ValueError, match="must exceed"):
        tapping_cycle(40.0, 40.0)


def test_out_of_range_time_is_an_error(boundary):
    with pytest.raises(ValueError, match="outside the boundary series"):
        boundary.at(boundary.start_s - 1.0)
    with pytest.raises(ValueError, match="outside"):
        boundary.at(boundary.end_s + 1.0)


def test_day_types_and_holidays():
    assert easter_sunday(2009) == dt.date(2009, 4, 12)
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    hol = bavarian_holidays(2009)
    assert dt.date(2009, 6, 11) in hol  # Corpus Christi 2009
    assert day_type(dt.date(2009, 1, 6), hol) == "FT"
    assert day_type(dt.date(2009, 1, 10), hol) == "SA"
    assert day_type(dt.date(2009, 1, 12), hol) == "WT"
    assert day_type(dt.date(2009, 12, 24), hol) == "SA"


def test_step_rejects_bad_input_and_changes_nothing(params, boundary):
    state = model.initial_state(params, 0.0, JAN_START_S)
    bnd = boundary.at(JAN_START_S)
    for bad_dt in (0.0, -1.0, float("nan"), 1e6):
        with pytest.raises(ValueError, match="dt_s"):
            model.step(state, Actuators(), bnd, params, bad_dt)
    with pytest.raises(ValueError, match="miner_target_w"):
        model.step(state, Actuators(miner_target_w=(float("inf"), 0.0)), bnd, params, 1.0)
    with pytest.raises(ValueError, match="outdoor_temp_c"):
        model.initial_state(params, float("nan"))
    with pytest.raises(IndexError):
        model.miner_view(state, 2)


def test_same_inputs_give_identical_results(params, boundary):
    def run():
        state = model.initial_state(params, boundary.at(JAN_START_S).outdoor_temp_c, JAN_START_S)
        out = []
        for k in range(8640):
            hour = k // 360
            act = Actuators(
                contactor=(hour % 3 != 0, True),
                miner_run=(True, True),
                miner_target_w=(2500.0, 3250.0),
                p3=True,
                p4=True,
                p5=hour % 2 == 0,
                rv1_to_dhw=hour == 7,
                rv2_to_dhw=hour == 18,
            )
            state, flows = model.step(state, act, boundary.at(JAN_START_S + 10.0 * k), params, 10.0)
            out.append(flows)
        return state, out

    s1, f1 = run()
    s2, f2 = run()
    assert s1 == s2
    assert f1 == f2


def test_inverter_view_signs_and_counters(params, boundary):
    t0 = calendar.timegm((2009, 6, 20, 10, 0, 0))
    state = model.initial_state(params, boundary.at(t0).outdoor_temp_c, t0)
    for k in range(360):
        state, f = model.step(state, Actuators(), boundary.at(t0 + 10.0 * k), params, 10.0)
    view = model.inverter_view(state, f, params)
    assert view["pv_power_w"] > 5000.0  # June noon, 15 kWp
    assert view["battery_power_w"] == pytest.approx(f.battery_discharge_w - f.battery_charge_w)
    assert view["battery_power_w"] < 0.0  # charging
    assert view["grid_power_w"] == pytest.approx(f.grid_import_w - f.grid_export_w)
    assert view["load_power_w"] == pytest.approx(f.consumption_w)
    assert view["battery_soc_pct"] > 50.0
    assert view["pv_energy_today_kwh"] == pytest.approx(view["pv_energy_total_kwh"])
    assert 40.0 < view["battery_voltage_v"] < 60.0
